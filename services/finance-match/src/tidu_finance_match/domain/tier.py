"""The enterprise's tier on the cultivation ladder (domain-rules §10), for statistics by tier.

The tier is the highest recognition on the ladder that the enterprise holds, valid on the date:
科技型中小企业 → 创新型中小企业 → 专精特新中小企业 → 专精特新"小巨人" → 制造业单项冠军 → 上市.
An enterprise holding none of them is ``none`` (it may still be in a district's pool, which this
service does not project). Parallel labels (高新技术企业, 瞪羚 …) are not tiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from tidu_finance_match.domain.enterprise import Qualification

LADDER: tuple[str, ...] = (
    "tech_sme",
    "innovative_sme",
    "srdi_sme",
    "little_giant",
    "single_champion",
    "listed",
)
NO_TIER = "none"
_RANK = {kind: i for i, kind in enumerate(LADDER)}


def ladder_tier(qualifications: Iterable[Qualification], as_of: date) -> str:
    """The highest ladder recognition valid on ``as_of``, or ``none``."""
    best = -1
    for q in qualifications:
        rank = _RANK.get(q.kind, -1)
        if rank > best and q.valid_on(as_of):
            best = rank
    return LADDER[best] if best >= 0 else NO_TIER
