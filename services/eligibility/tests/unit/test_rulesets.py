"""Rule-set files: the packaged ones load and cite every parameter; malformed files fail clearly;
the version in force on a date is chosen."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidu_eligibility.domain import (
    innovative,
    little_giant_2022,
    little_giant_2026,
    pool,
    size_class,
    srdi_2022,
    srdi_2026,
)
from tidu_eligibility.domain.engine import Engine
from tidu_eligibility.domain.ruleset_loader import (
    Catalog,
    RuleSetNotFound,
    default_ruleset_dir,
    load_ruleset,
    load_rulesets,
)
from tidu_eligibility.domain.ruleset_schema import RuleSetError

SEVEN = {
    "size-2011": (date(2011, 6, 18), None),
    "innovative-2022": (date(2022, 6, 1), None),
    "srdi-2022": (date(2022, 6, 1), date(2026, 3, 31)),
    "little-giant-2022": (date(2022, 6, 1), date(2026, 3, 31)),
    "srdi-2026": (date(2026, 4, 1), None),
    "little-giant-2026": (date(2026, 4, 1), None),
    "pool-qianjiang-2022": (date(2022, 1, 1), date(2025, 12, 31)),
}


def test_the_seven_rule_sets_load_with_their_dates() -> None:
    catalog = load_rulesets()
    assert {rs.id: (rs.effective_from, rs.effective_to) for rs in catalog.rulesets} == SEVEN


def test_every_parameter_cites_its_clause_and_2026_is_unconfirmed() -> None:
    for rs in load_rulesets().rulesets:
        for parameter in rs.parameters.values():
            assert parameter.citation.strip()
        if rs.id.endswith("2026"):
            assert all(p.unconfirmed for p in rs.parameters.values())


def test_unconfirmed_srdi_2022_indicators_are_marked() -> None:
    rs = load_rulesets().by_id("srdi-2022", date(2024, 1, 1))
    marked = {name for name, p in rs.parameters.items() if p.unconfirmed}
    assert marked == {"ip_points", "rd_staff_share_points", "rd_institution_points"}
    assert rs.param("ip_points").clause.endswith("(unconfirmed)")


@pytest.mark.parametrize(
    "module", [innovative, srdi_2022, little_giant_2022, srdi_2026, little_giant_2026, pool, size_class]
)
def test_evaluators_hold_no_threshold_literals(module: Any) -> None:
    """Numbers in the evaluators' code are at most 0 and 1 (loop starts); thresholds are data."""
    tree = ast.parse(inspect.getsource(module))
    numbers = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool)
    }
    assert numbers <= {0, 1}


# --- malformed files ---------------------------------------------------------------------------


@pytest.fixture
def base_file() -> dict[str, Any]:
    return yaml.safe_load((default_ruleset_dir() / "srdi-2026.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def write(tmp_path: Path) -> Callable[[Any, str], Path]:
    def _write(data: Any, name: str = "broken.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return _write


def _mutate(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[part]
    if value is None and parts[-1] != "effective_to":
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("parameters.revenue_min.citation", None, "parameters.revenue_min.citation", "required"),
        ("parameters.revenue_min.citation", "  ", "parameters.revenue_min.citation", "required"),
        ("effective_from", "2026-02-30", "effective_from", "not a date"),
        ("effective_from", None, "effective_from", "required"),
        ("effective_to", "2020-01-01", "effective_to", "before effective_from"),
        ("parameters.revenue_min.type", "money", "parameters.revenue_min.type", "unknown type 'money'"),
        ("parameters.revenue_min.type", "integer", "parameters.revenue_min.value", "expected an integer"),
        ("parameters.revenue_min.value", "lots", "parameters.revenue_min.value", "not a number"),
        ("parameters.revenue_min.colour", "red", "parameters.revenue_min.colour", "unknown field"),
        ("parameters.revenue_min", None, "parameters.revenue_min", "required"),
        (
            "parameters.surprise",
            {"type": "decimal", "value": 1, "citation": "x"},
            "parameters.surprise",
            "unknown parameter",
        ),
        ("evaluator", "magic", "evaluator", "unknown evaluator"),
        ("tier", "giant", "tier", "expected one of"),
        ("version", 0, "version", "positive integer"),
        ("owner", "me", "owner", "unknown field"),
        (
            "parameters.prerequisite.value.kinds",
            ["hero"],
            "parameters.prerequisite.value.kinds",
            "unknown qualification",
        ),
        (
            "parameters.ip_waiver_award.value.levels",
            ["city"],
            "parameters.ip_waiver_award.value.levels",
            "unknown level",
        ),
    ],
)
def test_a_malformed_file_names_file_and_field(
    base_file: dict[str, Any], write: Callable[..., Path], path: str, value: Any, field: str, message: str
) -> None:
    target = write(_mutate(base_file, path, value))
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(target)
    text = str(caught.value)
    assert text.startswith(f"{target}: {field}: "), text
    assert message in text
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([["0.03", 15], ["0.05", 20]], "steps[1]"),  # thresholds out of order
        ([["0.05", 15], ["0.03", 20]], "steps[1]"),  # points rising
        ([["0.05"]], "steps[0]"),
    ],
)
def test_bad_band_tables(write: Callable[..., Path], steps: list, field: str) -> None:
    data = yaml.safe_load((default_ruleset_dir() / "innovative-2022.yaml").read_text(encoding="utf-8"))
    data["parameters"]["rd_ratio_points"]["value"]["steps"] = steps
    target = write(data)
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(target)
    assert caught.value.field == f"parameters.rd_ratio_points.value.{field}"


def test_invalid_yaml_names_the_file(write: Callable[..., Path]) -> None:
    target = write("id: [unclosed\n")
    with pytest.raises(RuleSetError, match=rf"^{target}: <file>: not valid YAML"):
        load_ruleset(target)


def test_an_unknown_input_in_a_cascade_fails_at_compile(write: Callable[..., Path], tmp_path: Path) -> None:
    data = yaml.safe_load((default_ruleset_dir() / "innovative-2022.yaml").read_text(encoding="utf-8"))
    data["parameters"]["ip_points"]["value"]["steps"][0]["inputs"] = ["patents"]
    write(data, "innovative.yaml")
    with pytest.raises(RuleSetError, match=r"innovative\.yaml: parameters\.ip_points\.value: unknown input 'patents'"):
        Engine(load_rulesets(tmp_path))


def test_overlapping_versions_of_one_id_are_refused(write: Callable[..., Path], tmp_path: Path) -> None:
    data = yaml.safe_load((default_ruleset_dir() / "srdi-2026.yaml").read_text(encoding="utf-8"))
    write(data, "a.yaml")
    data["version"] = 2
    data["effective_from"] = "2027-01-01"
    write(data, "b.yaml")
    with pytest.raises(RuleSetError, match="overlap"):
        load_rulesets(tmp_path)


# --- selection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "as_of", "expected"),
    [
        ("srdi", date(2022, 6, 1), "srdi-2022"),
        ("srdi", date(2026, 3, 31), "srdi-2022"),
        ("srdi", date(2026, 4, 1), "srdi-2026"),
        ("little_giant", date(2026, 3, 31), "little-giant-2022"),
        ("little_giant", date(2026, 4, 1), "little-giant-2026"),
        ("innovative", date(2030, 1, 1), "innovative-2022"),
        ("size", date(2011, 6, 18), "size-2011"),
        ("pool", date(2025, 12, 31), "pool-qianjiang-2022"),
    ],
)
def test_tier_picks_the_rule_set_in_force(tier: str, as_of: date, expected: str) -> None:
    assert load_rulesets().by_tier(tier, as_of, "500114").id == expected


@pytest.mark.parametrize(
    ("tier", "as_of", "district"),
    [
        ("size", date(2011, 6, 17), None),
        ("srdi", date(2022, 5, 31), None),
        ("pool", date(2026, 1, 1), "500114"),
        ("pool", date(2024, 1, 1), "500113"),
        ("champion", date(2024, 1, 1), None),
    ],
)
def test_nothing_in_force(tier: str, as_of: date, district: str | None) -> None:
    with pytest.raises(RuleSetNotFound):
        load_rulesets().by_tier(tier, as_of, district)


def test_by_id_after_its_end_applies_the_last_version_for_a_review() -> None:
    catalog = load_rulesets()
    assert catalog.by_id("little-giant-2022", date(2026, 9, 1)).id == "little-giant-2022"
    with pytest.raises(RuleSetNotFound):
        catalog.by_id("little-giant-2026", date(2026, 3, 31))
    with pytest.raises(RuleSetNotFound):
        catalog.by_id("no-such-rules", date(2026, 3, 31))


def test_versions_of_one_id_are_chosen_by_date(write: Callable[..., Path], tmp_path: Path) -> None:
    data = yaml.safe_load((default_ruleset_dir() / "size-2011.yaml").read_text(encoding="utf-8"))
    data["effective_to"] = "2024-12-31"
    write(data, "v1.yaml")
    data["version"] = 2
    data["effective_from"] = "2025-01-01"
    data["effective_to"] = None
    data["parameters"]["thresholds_other"]["value"]["small_if_all"]["staff"] = 12
    write(data, "v2.yaml")
    catalog = load_rulesets(tmp_path)
    assert catalog.by_id("size-2011", date(2024, 12, 31)).version == 1
    assert catalog.by_id("size-2011", date(2025, 1, 1)).version == 2
    assert catalog.by_tier("size", date(2025, 1, 1)).version == 2
    engine = Engine(catalog)
    firm = {"enterprise": {"industry_code": "P8310"}, "years": {2024: {"employees": 11}}}
    assert engine.evaluate("size", date(2024, 12, 31), 2024, firm).size_class == "small"
    later = engine.evaluate("size", date(2025, 1, 1), 2024, firm)
    assert (later.ruleset.version, later.size_class) == (2, "micro")


def test_catalog_refuses_a_duplicate_version() -> None:
    rs = load_rulesets().rulesets[0]
    with pytest.raises(RuleSetError, match="defined twice"):
        Catalog((rs, rs))
