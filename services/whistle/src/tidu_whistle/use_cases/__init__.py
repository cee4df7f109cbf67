"""Use cases of the whistle service: one transaction each (``db.transaction()``), events through
the outbox in that transaction. Routes, the scheduler and the consumers call these.

- ``issues``: raise an issue (Idempotency-Key), act on it (If-Match), rate it;
- ``raising``: the in-transaction core of raising, shared with the FINANCING_FAILED consumer;
- ``routing_rules``: operators' routing rules, versioned;
- ``sweep``: the SLA sweep (reminders, breaches, escalation, auto-close).
"""
