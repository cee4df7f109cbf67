"""Event-driven re-assessment: after a registry event changed an enterprise's projection, assess
it under every rule set in force today (China time; data year = this year − 1) — a district's own
rule set only for an enterprise of that district — inside the consumer's transaction, and record
what changed (:mod:`tidu_eligibility.assessing`)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from tidu_eligibility.assessing import Outcome, Tally, record
from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.domain.inputs import InputError, parse_inputs
from tidu_eligibility.projection import load_enterprise
from tidu_eligibility.rulebook import RuleBook
from tidu_eligibility.snapshots import EnterpriseData

log = logging.getLogger(__name__)


def evaluate_enterprise(book: RuleBook, data: EnterpriseData, as_of: dt.date, year: int) -> list[Outcome]:
    """Decisions (no trace) under every rule set in force for the enterprise on ``as_of``."""
    inputs = parse_inputs(data.inputs)
    outcomes = []
    for rs in book.in_force(as_of, data.district_code):
        try:
            a = book.engine.evaluate(rs.id, as_of, year, inputs, explain=False)
        except Exception:
            # one rule set that cannot evaluate this enterprise must not stop the projection or the
            # other rule sets: logged, and assessed again by the next event or batch run
            log.exception("%s under %s@%s: not assessed", data.uscc, rs.id, rs.version)
            continue
        outcomes.append(
            Outcome(
                uscc=data.uscc,
                ruleset_id=a.ruleset.id,
                ruleset_version=a.ruleset.version,
                tier=a.ruleset.tier,
                result=str(a.result),
                score=a.score.points if a.score is not None else None,
                size_class=a.size_class,
                missing=tuple(a.missing),
            )
        )
    return outcomes


async def reassess(s: AsyncSession, ctx: EligibilityContext, uscc: str, *, event_id: str) -> Tally:
    """Re-assess one enterprise in the caller's transaction (a consumer handler's)."""
    book = await ctx.rules(s)
    as_of = ctx.today()
    year = as_of.year - 1
    data = await load_enterprise(s, uscc, year, ctx.settings.indicator_years_back)
    if data is None:
        log.info("no profile for %s yet: not assessed", uscc)
        return Tally()
    try:
        outcomes = evaluate_enterprise(book, data, as_of, year)
    except InputError as exc:
        # The registry validates what it publishes; a value the engine cannot read is logged and the
        # projection kept (the next event or batch run assesses again).
        log.warning("projection of %s cannot be assessed: %s", uscc, exc)
        return Tally()
    return await record(
        s, book, outcomes, {uscc: data}, as_of=as_of, data_year=year, trigger="event", trigger_ref=event_id
    )
