"""Evaluations: what-if on data sent in the request, or live on an enterprise's stored projection.

Nothing is stored: an evaluation is a question, an *assessment* is what the service records when
an event or a batch run re-assesses an enterprise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tidu_eligibility.context import EligibilityContext
from tidu_eligibility.domain.inputs import InputError
from tidu_eligibility.domain.result import Assessment
from tidu_eligibility.domain.ruleset_loader import RuleSetNotFound
from tidu_eligibility.input_limits import check_indicators, unprocessable
from tidu_eligibility.problems import input_problem, ruleset_not_found
from tidu_eligibility.projection import load_enterprise
from tidu_eligibility.rulebook import RuleBook
from tidu_eligibility.schemas import EvaluationIn
from tidu_shared.db import Database


def evaluate(
    book: RuleBook,
    target: str,
    as_of: dt.date,
    year: int | None,
    inputs: Mapping[str, Any],
    *,
    review: bool = False,
    explain: bool = True,
    target_field: str = "ruleset",
) -> Assessment:
    try:
        return book.engine.evaluate(target, as_of, year, inputs, review=review, explain=explain)
    except InputError as exc:
        raise input_problem(exc) from None
    except RuleSetNotFound as exc:
        raise ruleset_not_found(exc, target_field) from None
    except (ArithmeticError, OverflowError) as exc:  # dates or decimals outside what the engine computes with
        raise unprocessable(exc) from None


def what_if(book: RuleBook, req: EvaluationIn, today: dt.date) -> Assessment:
    """POST /v1/evaluations: the request's data under the rule set (or tier) asked for."""
    check_indicators(req.indicators)
    inputs = {
        "enterprise": req.enterprise,
        "years": req.indicators,
        "qualifications": req.qualifications,
        "awards": req.awards,
    }
    target = req.ruleset if req.ruleset is not None else req.tier
    assert target is not None  # the schema requires one
    return evaluate(
        book,
        target,
        req.as_of or today,
        req.year,
        inputs,
        review=req.review,
        explain=req.explain,
        target_field="ruleset" if req.ruleset is not None else "tier",
    )


async def on_stored_data(
    db: Database,
    ctx: EligibilityContext,
    uscc: str,
    target: str,
    as_of: dt.date | None,
    year: int | None,
    review: bool,
) -> Assessment | None:
    """An enterprise's projection under a rule set or tier, explained (None: not projected)."""
    day = as_of or ctx.today()
    data_year = day.year - 1 if year is None else year
    async with db.read() as s:
        book = await ctx.rules(s)
        data = await load_enterprise(s, uscc, data_year, ctx.settings.indicator_years_back)
    if data is None:
        return None
    return evaluate(book, target, day, data_year, data.inputs, review=review, target_field="target")
