"""The ladder of tiers (domain-rules §10) and the next rung for a firm.

Lowest first: seed stock in a district pool → 科技型中小企业 → 创新型中小企业 → 专精特新中小企业 →
专精特新“小巨人” → 制造业单项冠军 → listed. 瞪羚, 独角兽, 高新技术企业 and 硬科技 are parallel labels,
not rungs.

The rung a firm stands on is the highest one it holds a valid qualification for on the assessment
date, or the tier this assessment finds it eligible for, if higher. The next tier is the rung
above. The pool rung is skipped where no pool rule set is in force for the firm's district. Another
rung is skipped when the rule set in force for the rung after it accepts, as its
prerequisite, a qualification the firm already holds (in 2026 a 科技型中小企业 may apply for
专精特新 directly: the rule set's ``prerequisite`` says so, not this module). An assessment never
grants a recognition: the next tier is a recommendation.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from .inputs import Inputs
from .result import NextTier, Result
from .ruleset_loader import Catalog, RuleSetNotFound
from .ruleset_schema import TIERS, QualificationSpec

LADDER: Final = ("pool", "tech_sme", "innovative", "srdi", "little_giant", "single_champion", "listed")
RUNG_QUALIFICATION: Final = {
    "tech_sme": "tech_sme",
    "innovative": "innovative_sme",
    "srdi": "srdi_sme",
    "little_giant": "little_giant",
    "single_champion": "single_champion",
    "listed": "listed",
}
RUNG_LABELS: Final = {
    "pool": ("培育库（选种/育苗）", "cultivation pool (seed stock)"),
    "tech_sme": ("科技型中小企业", "technology-based SME"),
    "innovative": ("创新型中小企业", "innovative SME"),
    "srdi": ("专精特新中小企业", "SRDI SME"),
    "little_giant": ("专精特新“小巨人”企业", "SRDI little giant"),
    "single_champion": ("制造业单项冠军", "manufacturing single champion"),
    "listed": ("上市企业", "listed company"),
}


def held_kinds(inputs: Inputs, as_of: date) -> frozenset[str]:
    return frozenset(q.kind for q in inputs.qualifications if q.valid_on(as_of))


def next_tier(inputs: Inputs, as_of: date, assessed_tier: str, result: Result, catalog: Catalog) -> NextTier | None:
    held = held_kinds(inputs, as_of)
    reached = max((i for i, rung in enumerate(LADDER) if RUNG_QUALIFICATION.get(rung) in held), default=-1)
    if result is Result.ELIGIBLE and assessed_tier in LADDER:
        reached = max(reached, LADDER.index(assessed_tier))
    index = reached + 1
    district = inputs.enterprise.district_code
    while index + 1 < len(LADDER) and _skippable(LADDER[index], LADDER[index + 1], held, as_of, district, catalog):
        index += 1
    if index >= len(LADDER):
        return None
    tier = LADDER[index]
    ruleset_id = _ruleset_id(tier, as_of, district, catalog)
    held_rung = LADDER[reached] if reached >= 0 else None
    zh, en = RUNG_LABELS[tier]
    now_zh = RUNG_LABELS[held_rung][0] if held_rung else "尚无梯度认定"
    now_en = RUNG_LABELS[held_rung][1] if held_rung else "no tier yet"
    return NextTier(
        tier=tier,
        label_zh=zh,
        label_en=en,
        held=held_rung,
        ruleset_id=ruleset_id,
        reason_zh=f"当前：{now_zh}；下一梯度：{zh}（建议，不构成认定）",
        reason_en=f"now: {now_en}; next: {en} (a recommendation, not a recognition)",
    )


def _skippable(
    rung: str, after: str, held: frozenset[str], as_of: date, district: str | None, catalog: Catalog
) -> bool:
    if rung == "pool":  # no pool rule set in force for the district: nothing to enter
        return _ruleset_id(rung, as_of, district, catalog) is None
    if rung not in RUNG_QUALIFICATION or RUNG_QUALIFICATION[rung] in held or after not in TIERS:
        return False
    try:
        ruleset = catalog.by_tier(after, as_of, district)
    except RuleSetNotFound:
        return False
    prerequisite = ruleset.parameters.get("prerequisite")
    if prerequisite is None or not isinstance(prerequisite.value, QualificationSpec):
        return False
    return any(kind in held for kind in prerequisite.value.kinds)


def _ruleset_id(tier: str, as_of: date, district: str | None, catalog: Catalog) -> str | None:
    if tier not in TIERS:
        return None
    try:
        return catalog.by_tier(tier, as_of, district).id
    except RuleSetNotFound:
        return None
