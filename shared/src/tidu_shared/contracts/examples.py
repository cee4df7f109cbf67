"""One example per event type: used in the AsyncAPI document and by the contract test that
every consumer parses every producer's examples (tests/test_contracts.py)."""

from __future__ import annotations

from typing import Any

USCC = "91500113MA5U7LXX3F"
T = "2026-06-01T09:30:00Z"

EXAMPLES: dict[str, dict[str, Any]] = {
    "tidu.registry.enterprise.registered.v1": {
        "uscc": USCC,
        "name": "重庆示例精密机械有限公司",
        "district_code": "500113",
        "industry_code": "C3484",
        "established_on": "2015-03-18",
        "registered_at": T,
        "independent_legal_person": True,
        "niche_market_since": "2016-01-01",
        "main_product": {"text": "精密齿轮箱", "strategic_emerging": True, "six_foundations": True},
        "own_brand": True,
    },
    "tidu.registry.enterprise.profile_changed.v1": {
        "uscc": USCC,
        "name": "重庆示例精密机械股份有限公司",
        "district_code": "500113",
        "industry_code": "C3484",
        "established_on": "2015-03-18",
        "changes": {"name": {"old": "重庆示例精密机械有限公司", "new": "重庆示例精密机械股份有限公司"}},
        "source": "operator",
        "changed_by": "op-500113",
        "changed_at": T,
    },
    "tidu.registry.enterprise.indicators_reported.v1": {
        "uscc": USCC,
        "year": 2025,
        "indicators": {
            "employees": 180,
            "rd_staff": 36,
            "operating_revenue": "8200.5",
            "main_business_revenue": "7900",
            "net_profit": "650",
            "total_assets": "9100",
            "total_liabilities": "4300",
            "rd_expense": "410",
        },
        "restated": False,
        "source": "self_declared",
        "reported_by": f"ent-{USCC}",
        "reported_at": T,
    },
    "tidu.registry.qualification.granted.v1": {
        "qualification_id": "q-0001",
        "uscc": USCC,
        "kind": "tech_sme",
        "level": "city",
        "document_no": "渝科局发〔2025〕12号",
        "granted_on": "2025-05-01",
        "expires_on": "2028-04-30",
    },
    "tidu.registry.qualification.renewed.v1": {
        "qualification_id": "q-0001",
        "uscc": USCC,
        "kind": "tech_sme",
        "level": "city",
        "granted_on": "2025-05-01",
        "expires_on": "2031-04-30",
        "previous_expires_on": "2028-04-30",
    },
    "tidu.registry.qualification.expiring.v1": {
        "qualification_id": "q-0001",
        "uscc": USCC,
        "kind": "tech_sme",
        "level": "city",
        "granted_on": "2025-05-01",
        "expires_on": "2028-04-30",
        "days_left": 90,
    },
    "tidu.registry.qualification.expired.v1": {
        "qualification_id": "q-0001",
        "uscc": USCC,
        "kind": "tech_sme",
        "level": "city",
        "granted_on": "2025-05-01",
        "expires_on": "2028-04-30",
    },
    "tidu.registry.qualification.revoked.v1": {
        "qualification_id": "q-0001",
        "uscc": USCC,
        "kind": "tech_sme",
        "level": "city",
        "granted_on": "2025-05-01",
        "expires_on": "2028-04-30",
        "revoked_on": "2026-02-01",
        "reason": "复核未通过",
    },
    "tidu.registry.pool.changed.v1": {
        "uscc": USCC,
        "district_code": "500113",
        "stage": "reserve",
        "previous_stage": None,
        "reason": "srdi-2026 评估符合条件",
        "reason_source": "assessment",
        "decided_by": "system",
        "changed_at": T,
    },
    "tidu.registry.commissioner.assigned.v1": {
        "uscc": USCC,
        "district_code": "500113",
        "commissioner_id": "commissioner-1",
        "commissioner_name": "张专员",
        "assigned_at": T,
    },
    "tidu.eligibility.assessment.completed.v1": {
        "assessment_id": "a-0001",
        "uscc": USCC,
        "district_code": "500113",
        "ruleset_id": "size-2011",
        "ruleset_version": "1",
        "tier": "size",
        "as_of": "2026-06-01",
        "data_year": 2025,
        "result": "eligible",
        "previous_result": None,
        "size_class": "small",
        "missing": [],
        "assessed_at": T,
    },
    "tidu.eligibility.candidate.recommended.v1": {
        "uscc": USCC,
        "district_code": "500113",
        "tier": "srdi",
        "ruleset_id": "srdi-2026",
        "ruleset_version": "1",
        "assessment_id": "a-0002",
        "as_of": "2026-06-01",
        "reason": "符合专精特新中小企业认定条件（srdi-2026）",
        "recommended_at": T,
    },
    "tidu.finance.financing.failed.v1": {
        "demand_id": "d-0001",
        "uscc": USCC,
        "district_code": "500113",
        "reason": "all_declined",
        "amount": "500",
        "term_months": 12,
        "purpose": "working_capital",
        "summary": "融资需求 500 万元：3 个匹配产品均被拒绝",
        "details": ["知识价值信用贷款：信用（credit）"],
        "failed_at": T,
    },
}


def _merge_producer_examples() -> None:
    """Producers may keep their examples beside their contracts (``EXAMPLES`` in the module)."""
    from tidu_shared.contracts import audit, eligibility, finance, registry, whistle

    for module in (registry, eligibility, finance, whistle, audit):
        for type_, example in getattr(module, "EXAMPLES", {}).items():
            EXAMPLES.setdefault(type_, example)


_merge_producer_examples()
