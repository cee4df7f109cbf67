"""Topic names (architecture.md). Every name passes through ``KafkaSettings.topic`` so that a
namespace prefix can be applied (tests, tenants)."""

from __future__ import annotations

REGISTRY_ENTERPRISES = "tidu.registry.enterprises"
ELIGIBILITY_ASSESSMENTS = "tidu.eligibility.assessments"
FINANCE_DEMANDS = "tidu.finance.demands"
WHISTLE_ISSUES = "tidu.whistle.issues"
DEPARTMENT_PREFIX = "tidu.whistle.dept."
# Every service's audit trail (tidu_shared.audit), keyed by the service name.
AUDIT = "tidu.audit"

CORE_TOPICS = (REGISTRY_ENTERPRISES, ELIGIBILITY_ASSESSMENTS, FINANCE_DEMANDS, WHISTLE_ISSUES, AUDIT)


def department_topic(department_code: str) -> str:
    return f"{DEPARTMENT_PREFIX}{department_code}"


def dead_letter_topic(service: str) -> str:
    """Where a service's consumers park events they can never handle."""
    return f"tidu.{service}.dead-letter"
