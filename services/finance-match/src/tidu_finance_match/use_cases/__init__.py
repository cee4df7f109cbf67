"""Use cases of finance-match, one transaction each (``db.transaction()``); events leave through
the outbox in that transaction.

- ``demands``     submit (with the match outcome), read, list, withdraw
- ``workflow``    the institution's actions on a case
- ``catalogue``   the first-start seed; products by their institution; institutions
- ``credit``      consents, consent-guarded and audited credit look-ups
- ``deadlines``   the sweep: reminders, escalations, the deadline_lapsed 融资难 path
- ``statistics``  the 渝企金服 figures (a read)
- ``engine``      what they share: matching, pushing, re-matching, the 融资难 decision
"""
