"""Gap analysis (找差距、补短板), domain-rules §2.

For a firm that is not eligible (or not yet decided):

- each failing prerequisite, named as the qualification to obtain;
- each failing condition with the smallest change of ONE input that passes it — found by taking
  every failing check's lever (the numerator of a ratio at this denominator, this year's value of a
  growth or a sum, the flag or level itself), rounding it towards passing, and keeping only the
  changes that, made alone, pass the whole condition (re-evaluated); one option per input, any one
  of which will do. When no single change can pass a condition, ``all_of`` lists what the cheapest
  branch needs together;
- for scored rule sets whose score fails (and no direct alternative holds), the cheapest set of
  indicator improvements that reaches the pass mark and every group floor, where cheapest means
  fewest band steps in total, then fewest points gained (least overshoot), then fewest indicators
  touched, then indicators earlier in the rule set. Each indicator may rise to any of its higher
  bands by one input change (the indicator's lever), verified by re-evaluating it; indicators that
  no yearly action changes (years in niche, main-product field, the operator-entered local points)
  are not raised. The plan is verified by re-scoring with all its changes made together.

For an eligible firm: the margin of each passing check with a lever (how far its input could move
and still pass) and of the score over the pass mark and group floors.

Changes are computed one condition at a time, at the other inputs as they are: raising revenue to
pass a floor may lower a ratio elsewhere, which the gap of that ratio does not foresee.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .conditions import Compare, Held, Node, Requirement
from .evaluation import Ctx
from .measures import Boundary
from .program import Block, Compiled, Outcome, Program
from .result import Change, Gap, PlanStep, ScorePlan
from .scoring import Points, ScoreEval, Scoring, Upgrade, apply
from .wording import show_amount, signed, year_en, year_zh

TIME_INPUTS = frozenset({"niche_market_since", "established_on"})


def analyse(program: Compiled, ctx: Ctx, outcome: Outcome) -> tuple[Gap, ...]:
    if not isinstance(program, Program):
        return ()  # a size class is a classification, not a target
    if outcome.decision is True:
        return margins(program, ctx, outcome)
    gaps: list[Gap] = []
    for block in program.blocks(ctx):
        if ctx.outcomes.get(id(block.node)) is not False:
            continue
        if block.kind == "prerequisite" and isinstance(block.node, Held):
            gaps.append(prerequisite_gap(block.node))
        else:
            gaps.append(condition_gap(ctx, block, "condition"))
    if program.scoring is not None and outcome.scored is False and outcome.score is not None:
        gaps.append(score_gap(program.scoring, ctx, outcome.score))
        for block in program.alternatives:
            gap = condition_gap(ctx, block, "alternative")
            if gap.options or (gap.all_of and not _has_requirements(ctx, block.node)):
                gaps.append(gap)
    return tuple(gaps)


def _has_requirements(ctx: Ctx, node: Node) -> bool:
    return any(isinstance(n, Requirement) for n in node.fix(ctx)[1])


def prerequisite_gap(node: Held) -> Gap:
    need = node.requirement()
    return Gap(
        kind="prerequisite",
        key=node.key,
        label=f"{node.zh} / {node.en}",
        clause=node.clause,
        message_zh=need.zh,
        message_en=need.en,
        qualifications=node.spec.kinds,
    )


def condition_gap(ctx: Ctx, block: Block, kind: str) -> Gap:
    node = block.node
    options = single_changes(ctx, node)
    label = f"{node.zh} / {node.en}"
    if options:
        changes = tuple(to_change(b) for b in options)
        return Gap(
            kind=kind,
            key=node.key,
            label=label,
            clause=node.clause,
            message_zh="任一即可：" + "；".join(c.message_zh for c in changes),
            message_en="any one of: " + "; ".join(c.message_en for c in changes),
            options=changes,
        )
    _, needs = node.fix(ctx)
    changes = tuple(to_change(n) for n in needs if isinstance(n, Boundary))
    texts_zh = [c.message_zh for c in changes] + [n.zh for n in needs if isinstance(n, Requirement)]
    texts_en = [c.message_en for c in changes] + [n.en for n in needs if isinstance(n, Requirement)]
    return Gap(
        kind=kind,
        key=node.key,
        label=label,
        clause=node.clause,
        message_zh="需同时满足：" + "；".join(texts_zh) if texts_zh else "条件未满足",
        message_en="needs all of: " + "; ".join(texts_en) if texts_en else "condition not met",
        all_of=changes,
    )


def single_changes(ctx: Ctx, node: Node) -> list[Boundary]:
    """One-input changes that, alone, make ``node`` pass: the smallest per input."""
    best: dict[tuple[str, int | None], Boundary] = {}
    seen: set[tuple[str, int | None, Any]] = set()
    for atom in node.walk():
        if ctx.outcomes.get(id(atom)) is not False:
            continue
        for candidate in atom.candidates(ctx):
            if len(candidate) != 1:
                continue
            b = candidate[0]
            ident = (b.input, b.year, b.value)
            if ident in seen:
                continue
            seen.add(ident)
            if node.evaluate(ctx.fork(apply(ctx.inputs, b, ctx.as_of))) is not True:
                continue
            key = (b.input, b.year)
            if key not in best or _magnitude(b) < _magnitude(best[key]):
                best[key] = b
    return list(best.values())


def _magnitude(b: Boundary) -> Decimal:
    return abs(b.delta) if b.delta is not None else Decimal(0)


def to_change(b: Boundary, *, margin: bool = False) -> Change:
    zh, en = _messages(b, margin=margin)
    return Change(b.input, b.year, b.current, b.value, b.delta, b.unit, zh, en)


def _messages(b: Boundary, *, margin: bool) -> tuple[str, str]:
    if b.input in TIME_INPUTS and b.delta is not None:
        years = show_amount(b.delta, "年", generous=not margin)
        if margin:
            return f"{b.label_zh}高出要求 {years}", f"{b.label_en}: {years} above the minimum"
        return f"{b.label_zh}还需 {years}{b.context_zh}", f"{b.label_en}: {years} more{b.context_en}"
    if b.delta is None:
        if b.value is True:
            if b.input.startswith("qualification."):
                return f"取得{b.label_zh}认定", f"obtain the {b.label_en} recognition"
            return f"需满足：{b.label_zh}{year_zh(b.year)}", f"needs: {b.label_en}{year_en(b.year)}"
        return (
            f"{b.label_zh}{year_zh(b.year)}需达到 {b.value}（当前 {b.current}）",
            f"{b.label_en}{year_en(b.year)} must reach {b.value} (now {b.current})",
        )
    unit = b.unit
    if margin:
        amount = show_amount(b.delta, unit, generous=False)
        zh_dir, en_dir = ("减少", "fall") if b.delta <= 0 else ("增加", "rise")
        return (
            f"{b.label_zh}{year_zh(b.year)}还可{zh_dir} {amount}仍满足{b.context_zh}",
            f"{b.label_en}{year_en(b.year)} could {en_dir} by {amount} and still pass{b.context_en}",
        )
    amount = show_amount(b.delta, unit, generous=True)
    zh_dir = "增加" if b.delta >= 0 else "减少"
    return (
        f"{b.label_zh}{year_zh(b.year)}需{zh_dir} {amount}{b.context_zh}（{_plain(b.current)} → {_plain(b.value)}）",
        f"{b.label_en}{year_en(b.year)} {signed(b.delta, unit, generous=True)}{b.context_en} "
        f"({_plain(b.current)} → {_plain(b.value)} {unit})".replace(" )", ")"),
    )


def _plain(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


# --- the score plan -------------------------------------------------------------------------------


def score_gap(scoring: Scoring, ctx: Ctx, score_eval: ScoreEval) -> Gap:
    plan = score_plan(scoring, ctx, score_eval)
    score = score_eval.score
    now = score.points if score.points is not None else f"{score.points_min}-{score.points_max}"
    if plan.reaches_pass_mark:
        steps_zh = "；".join(f"{s.label.split(' / ')[0]} {s.points_from}→{s.points_to} 分" for s in plan.steps)
        steps_en = "; ".join(f"{s.label.split(' / ')[-1]} {s.points_from}→{s.points_to}" for s in plan.steps)
        zh = (
            f"得分 {now}，需 {scoring.pass_mark} 分：最少提升 {plan.band_steps} 档（{steps_zh}），"
            f"提升后 {plan.score_after} 分"
        )
        en = (
            f"score {now}, {scoring.pass_mark} needed: {plan.band_steps} band step(s) ({steps_en}), "
            f"{plan.score_after} after"
        )
    else:
        zh = f"得分 {now}，需 {scoring.pass_mark} 分：仅靠可提升指标无法达到"
        en = f"score {now}, {scoring.pass_mark} needed: the improvable indicators alone cannot reach it"
    return Gap(
        kind="score",
        key="score",
        label="评价得分 / score",
        clause=scoring.clause,
        message_zh=zh,
        message_en=en,
        plan=plan,
    )


def score_plan(scoring: Scoring, ctx: Ctx, score_eval: ScoreEval) -> ScorePlan:
    """The cheapest indicator improvements reaching the pass mark and the group floors."""
    results = score_eval.points
    base = [r.lo for r in results]
    group_keys = [g.key for g in scoring.groups]
    need_total = max(0, scoring.pass_mark - sum(base))
    need_groups = tuple(
        0
        if g.minimum is None
        else max(0, g.minimum - sum(b for i, b in zip(scoring.indicators, base, strict=True) if i.group == g.key))
        for g in scoring.groups
    )
    options = [_options(ind, ctx, r) for ind, r in zip(scoring.indicators, results, strict=True)]
    # Dynamic programme over the indicators. State: (total gain, gain per group), each capped at what
    # is still needed. Cost, compared in order: band steps, points gained, indicators touched, then
    # which indicators (a 0 for each touched one, so that touching earlier ones sorts first); every
    # part grows by appending, so keeping the cheapest path per state is exact.
    State = tuple[int, tuple[int, ...]]
    Cost = tuple[int, int, int, tuple[int, ...]]
    states: dict[State, tuple[Cost, tuple[int, ...]]] = {(0, tuple(0 for _ in group_keys)): ((0, 0, 0, ()), ())}
    for index, indicator in enumerate(scoring.indicators):
        group_index = group_keys.index(indicator.group)
        next_states: dict[State, tuple[Cost, tuple[int, ...]]] = {}
        for (total, gains), (cost, choices) in states.items():
            for choice, (steps, gain, _) in enumerate(options[index]):
                new_gains = list(gains)
                new_gains[group_index] = min(need_groups[group_index], gains[group_index] + gain)
                key = (min(need_total, total + gain), tuple(new_gains))
                new_cost = (cost[0] + steps, cost[1] + gain, cost[2] + (choice > 0), (*cost[3], int(choice == 0)))
                if key not in next_states or new_cost < next_states[key][0]:
                    next_states[key] = (new_cost, (*choices, choice))
        states = next_states
    goal = (need_total, need_groups)
    # unreachable: raise every improvable indicator as far as it goes
    choices = states[goal][1] if goal in states else tuple(len(opts) - 1 for opts in options)
    steps: list[PlanStep] = []
    changes: list[Boundary] = []
    for indicator, result, opts, choice in zip(scoring.indicators, results, options, choices, strict=True):
        band_steps, gain, upgrade = opts[choice]
        if upgrade is None:
            continue
        steps.append(
            PlanStep(
                indicator=indicator.key,
                label=f"{indicator.zh} / {indicator.en}",
                group=indicator.group,
                points_from=result.lo,
                points_to=upgrade.points,
                band_steps=band_steps,
                changes=tuple(to_change(b) for b in upgrade.changes),
            )
        )
        changes.extend(upgrade.changes)
    after = scoring.evaluate(ctx.fork(_apply_all(ctx, changes))).score
    return ScorePlan(
        steps=tuple(steps),
        band_steps=sum(s.band_steps for s in steps),
        points_gained=sum(s.points_to - s.points_from for s in steps),
        score_after=after.points_min,
        reaches_pass_mark=after.passed is True,
    )


def _options(indicator: Any, ctx: Ctx, result: Points) -> list[tuple[int, int, Upgrade | None]]:
    options: list[tuple[int, int, Upgrade | None]] = [(0, 0, None)]
    if not indicator.improvable or result.known is None:
        return options
    for upgrade in indicator.upgrades(ctx):
        steps = sum(1 for level in indicator.levels if result.lo < level <= upgrade.points)
        options.append((steps, upgrade.points - result.lo, upgrade))
    return options


def _apply_all(ctx: Ctx, changes: Iterable[Boundary]) -> Any:
    """Make every change; two changes of one input keep the larger move."""
    merged: dict[tuple[str, int | None], Boundary] = {}
    for b in changes:
        key = (b.input, b.year)
        if key not in merged or _magnitude(b) > _magnitude(merged[key]):
            merged[key] = b
    inputs = ctx.inputs
    for b in merged.values():
        inputs = apply(inputs, b, ctx.as_of)
    return inputs


# --- margins (eligible) ---------------------------------------------------------------------------


def margins(program: Program, ctx: Ctx, outcome: Outcome) -> tuple[Gap, ...]:
    gaps: list[Gap] = []
    blocks = [*program.blocks(ctx), *program.alternatives]
    for block in blocks:
        for atom in block.node.walk():
            if not isinstance(atom, Compare) or not atom.lever or ctx.outcomes.get(id(atom)) is not True:
                continue
            found = atom.measure.boundaries(ctx, atom.op, atom.t)
            if not found or len(found) != 1:
                continue
            change = to_change(found[0], margin=True)
            gaps.append(
                Gap(
                    kind="margin",
                    key=atom.key,
                    label=f"{atom.zh} / {atom.en}",
                    clause=atom.clause,
                    message_zh=change.message_zh,
                    message_en=change.message_en,
                    options=(change,),
                )
            )
    if outcome.score is not None and outcome.score.score.points is not None:
        gaps.append(_score_margin(program.scoring, outcome.score))
    return tuple(gaps)


def _score_margin(scoring: Scoring | None, score_eval: ScoreEval) -> Gap:
    assert scoring is not None
    score = score_eval.score
    assert score.points is not None
    parts_zh = [f"总分高出 {score.points - score.pass_mark} 分"]
    parts_en = [f"score {score.points - score.pass_mark} above the pass mark"]
    for g in score.groups:
        if g.minimum is not None and g.points is not None:
            parts_zh.append(f"{g.label}高出 {g.points - g.minimum} 分")
            parts_en.append(f"{g.key} {g.points - g.minimum} above its floor")
    return Gap(
        kind="margin",
        key="score",
        label="评价得分 / score",
        clause=scoring.clause,
        message_zh="；".join(parts_zh),
        message_en="; ".join(parts_en),
    )
