"""A department's topic carries exactly the events of the issues it leads or co-handles — and
never another's: checked on the outbox (what the relay will publish, topic by topic) over a
mix of issues, a transfer, a return and an escalation."""

from __future__ import annotations

from collections import defaultdict

from tidu_whistle.testing import OTHER_USCC, T0, USCC, Event, Whistle

DEPT_PREFIX = "tidu.whistle.dept."


def ever_on(events: list[Event]) -> dict[str, set[str]]:
    """issue id → every department that led or co-handled it, from the issues topic."""
    out: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.topic != "tidu.whistle.issues" or "entry" not in e.data:
            continue
        entry = e.data["entry"]
        out[e.key] |= set(entry["co_departments"])
        out[e.key] |= {d for d in (entry["lead_department"], entry["previous_lead"]) if d}
    return out


async def test_each_department_topic_carries_exactly_its_issues(whistle: Whistle) -> None:
    await whistle.seed(USCC, "500113", commissioner="comm-1")
    await whistle.seed(OTHER_USCC, "500114")
    land = await whistle.raise_issue(whistle.enterprise(USCC), category="land")
    labour = await whistle.raise_issue(whistle.enterprise(USCC), category="labour")
    other = await whistle.raise_issue(whistle.enterprise(OTHER_USCC), category="land")
    labour = await whistle.act(labour, "transfer", whistle.dept("500113-rsj"), note="转科技局", department="500113-kjj")
    await whistle.act(other, "return", whistle.dept("500114-ghzy"), note="非本部门职责")
    await whistle.sweep(T0.replace(day=29, hour=8))  # land and labour breach check-in: escalate

    events = await whistle.events()
    issues_topic = [e for e in events if e.topic == "tidu.whistle.issues"]
    involved = ever_on(events)
    by_topic: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.topic.startswith(DEPT_PREFIX):
            by_topic[e.topic.removeprefix(DEPT_PREFIX)].append(e)

    assert set(by_topic) == {
        "500113-ghzy",
        "500113-jxw",
        "500113-yq",
        "500113-rsj",
        "500113-kjj",
        "500114-ghzy",
        "500114-jxw",
        "500114-yq",
        "500000-ghzy",
        "500000-kjj",
    }
    for dept, copies in by_topic.items():
        for e in copies:
            assert dept in involved[e.key], (dept, e.type)  # never another department's issue
            assert dept in e.data["departments"]
            assert e.key == e.data["issue"]["id"]
        # and every event of its issues that names it is there, in the same order
        expected = [(e.key, e.type) for e in issues_topic if dept in e.data.get("departments", [])]
        assert [(e.key, e.type) for e in copies] == expected, dept

    # spot checks
    assert {e.key for e in by_topic["500114-ghzy"]} == {other["id"]}
    assert {e.key for e in by_topic["500000-ghzy"]} == {land["id"]}
    assert [e.type.split(".")[-2] for e in by_topic["500113-rsj"]] == ["submitted", "routed", "transferred"]
    assert [e.type.split(".")[-2] for e in by_topic["500000-kjj"]] == ["escalated"]
    # commissioner notifications stay on the issues topic
    assert not [e for copies in by_topic.values() for e in copies if "commissioner" in e.type]
