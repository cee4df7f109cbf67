"""Yearly indicators over HTTP: every validation rule (all named at once), decimals never floats,
restatement kept in the history, as_of, and the event with every §3 field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from tidu_registry.domain.indicators import INDICATOR_FIELDS
from tidu_registry.models import revisions

THIS_YEAR = dt.date.today().year


async def test_report_a_year_and_read_it_back_as_decimal_strings(reg: Any) -> None:
    ent = await reg.register()
    r = await reg.put_indicators(ent["uscc"], 2024, operating_revenue="3000.123456", net_profit=-12.5)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["operating_revenue"] == "3000.123456"
    assert got["net_profit"] == "-12.5"
    assert got["employees"] == 120 and got["quality_cert"] is True and got["restated"] is False
    again = (await reg.client.get(f"/v1/enterprises/{ent['uscc']}/indicators/2024", headers=reg.admin)).json()
    assert again["operating_revenue"] == "3000.123456" and again["version"] == 1
    listed = (await reg.client.get(f"/v1/enterprises/{ent['uscc']}/indicators", headers=reg.admin)).json()
    assert [y["year"] for y in listed] == [2024]


async def test_event_carries_every_field_of_the_year(reg: Any) -> None:
    ent = await reg.register()
    await reg.put_indicators(ent["uscc"], 2024)
    ev = (await reg.events("indicators_reported.v1"))[-1]
    assert ev["_key"] == ent["uscc"]
    data = ev["data"]
    assert set(data["indicators"]) == set(INDICATOR_FIELDS)
    assert data["indicators"]["operating_revenue"] == "3000" and data["indicators"]["employees"] == 120
    assert data["year"] == 2024 and data["restated"] is False and data["district_code"] == "500113"
    assert data["source"] == "operator" and data["reported_by"] == "admin-1"


INDICATOR_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"operating_revenue": "-1"}, "operating_revenue", "negative_value"),
    ({"rd_expense": "-0.5"}, "rd_expense", "negative_value"),
    ({"total_assets": -3}, "total_assets", "negative_value"),
    ({"employees": -1}, "employees", "negative_value"),
    ({"rd_staff": 121}, "rd_staff", "rd_staff_exceeds_employees"),
    ({"main_business_revenue": "3000.01"}, "main_business_revenue", "main_business_exceeds_operating_revenue"),
    ({"rd_expense": "3001"}, "rd_expense", "rd_expense_exceeds_revenue"),
    ({"ip_class_i_self_developed": 4}, "ip_class_i_self_developed", "ip_part_exceeds_class_i"),
    ({"digital_level": 5}, "digital_level", "out_of_range"),
    ({"market_share_pct": "100.5"}, "market_share_pct", "out_of_range"),
    ({"market_rank_domestic": 0}, "market_rank_domestic", "below_minimum"),
    ({"srdi_local_score": 16}, "srdi_local_score", "out_of_range"),
    ({"rd_institution_level": "galactic"}, "rd_institution_level", "invalid_choice"),
    ({"employees": "many"}, "employees", "invalid_integer"),
    ({"employees": 12.5}, "employees", "invalid_integer"),
    ({"operating_revenue": "3千"}, "operating_revenue", "invalid_number"),
    ({"operating_revenue": "1.1234567"}, "operating_revenue", "too_many_decimals"),
    ({"operating_revenue": "1e13"}, "operating_revenue", "number_too_large"),
    ({"quality_cert": "sometimes"}, "quality_cert", "invalid_boolean"),
]


async def test_every_validation_rule(reg: Any) -> None:
    """Each rule of the data dictionary, one request each: 422 naming the field and the rule."""
    ent = await reg.register()
    found = {}
    for over, field, code in INDICATOR_RULES:
        r = await reg.put_indicators(ent["uscc"], 2024, **over)
        assert r.headers["content-type"].startswith("application/problem+json"), r.text
        found[(field, code, str(over))] = (
            r.status_code,
            (field, code) in [(e["field"], e["code"]) for e in r.json()["errors"]],
        )
    assert found == {(field, code, str(over)): (422, True) for over, field, code in INDICATOR_RULES}


async def test_rd_expense_above_revenue_with_the_explanation_flag(reg: Any) -> None:
    ent = await reg.register()
    r = await reg.put_indicators(ent["uscc"], 2024, rd_expense="3500", rd_expense_over_revenue_explained=True)
    assert r.status_code == 200, r.text


async def test_year_rules(reg: Any) -> None:
    ent = await reg.register(established_on="2018-04-01")
    found = {}
    for year, code in [
        (THIS_YEAR + 1, "year_in_future"),
        (2017, "year_before_establishment"),
        ("20x4", "invalid_integer"),
    ]:
        r = await reg.put_indicators(ent["uscc"], year)
        found[code] = (r.status_code, [(e["field"], e["code"]) for e in r.json()["errors"]])
    assert found == {code: (422, [("year", code)]) for code in found}
    assert len(found) == 3


async def test_the_current_year_and_the_founding_year_may_be_reported(reg: Any) -> None:
    ent = await reg.register(established_on=f"{THIS_YEAR}-01-02")
    assert (await reg.put_indicators(ent["uscc"], THIS_YEAR)).status_code == 200


async def test_every_violation_at_once(reg: Any) -> None:
    ent = await reg.register()
    r = await reg.put_indicators(
        ent["uscc"],
        THIS_YEAR + 1,
        operating_revenue="-5",
        rd_staff=500,
        main_business_revenue="9999",
        employees="x",
    )
    codes = {(e["field"], e["code"]) for e in r.json()["errors"]}
    assert codes == {
        ("year", "year_in_future"),
        ("operating_revenue", "negative_value"),
        ("employees", "invalid_integer"),
    }
    # a rule over two fields is checked when both are valid
    r = await reg.put_indicators(ent["uscc"], 2024, rd_staff=500, main_business_revenue="9999", total_assets="-1")
    assert {(e["field"], e["code"]) for e in r.json()["errors"]} == {
        ("rd_staff", "rd_staff_exceeds_employees"),
        ("main_business_revenue", "main_business_exceeds_operating_revenue"),
        ("total_assets", "negative_value"),
    }


async def test_mistyped_and_unknown_fields_and_unknown_enterprise(reg: Any) -> None:
    ent = await reg.register()
    url = f"/v1/enterprises/{ent['uscc']}/indicators/2024"
    r = await reg.client.put(url, json={"turnover": 1}, headers=reg.admin)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "extra_forbidden"
    r = await reg.client.put(url, json={"employees": [1]}, headers=reg.admin)
    assert r.status_code == 422
    r = await reg.client.put(url, content=b"[1,2", headers={**reg.admin, "content-type": "application/json"})
    assert r.status_code == 422
    r = await reg.client.put("/v1/enterprises/91110108551385082Q/indicators/2024", json={}, headers=reg.admin)
    assert r.status_code == 404


async def test_restating_keeps_the_earlier_statement(reg: Any) -> None:
    ent = await reg.register()
    code = ent["uscc"]
    await reg.put_indicators(code, 2024)
    async with reg.app.state.db.transaction() as s:
        await s.execute(
            update(revisions)
            .where(revisions.c.uscc == code, revisions.c.year == 2024)
            .values(recorded_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
        )
    r = await reg.put_indicators(code, 2024, operating_revenue="3200", headers=reg.ent(code))
    assert r.status_code == 200 and r.json()["restated"] is True and r.json()["version"] == 2
    history = (await reg.client.get(f"/v1/enterprises/{code}/history?year=2024", headers=reg.admin)).json()
    revenue = [h for h in history if h["field"] == "operating_revenue"]
    assert [(h["old"], h["new"], h["source"]) for h in revenue] == [
        (None, "3000", "operator"),
        ("3000", "3200", "self_declared"),
    ]
    then = (await reg.client.get(f"/v1/enterprises/{code}/indicators/2024?as_of=2025-03-02", headers=reg.admin)).json()
    assert then["operating_revenue"] == "3000"
    assert (await reg.client.get(f"/v1/enterprises/{code}/indicators/2024", headers=reg.admin)).json()[
        "operating_revenue"
    ] == "3200"
    assert (await reg.client.get(f"/v1/enterprises/{code}/indicators?as_of=2025-02-28", headers=reg.admin)).json() == []
    restated = (await reg.events("indicators_reported.v1"))[-1]["data"]
    assert restated["restated"] is True and restated["changed_fields"] == ["operating_revenue"]
    assert restated["source"] == "self_declared"


async def test_same_figures_again_change_nothing(reg: Any) -> None:
    ent = await reg.register()
    await reg.put_indicators(ent["uscc"], 2024)
    before = len(await reg.events())
    r = await reg.put_indicators(ent["uscc"], 2024)
    assert r.status_code == 200 and r.json()["version"] == 1
    assert len(await reg.events()) == before
