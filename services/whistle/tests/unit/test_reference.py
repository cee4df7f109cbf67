"""Reference data: loading, department codes and names, regions and escalation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tidu_whistle.domain.errors import DomainError, ErrorCode
from tidu_whistle.domain.reference import (
    DepartmentCode,
    Reference,
    ReferenceDataError,
    load_reference,
    parse_reference,
    region_covers,
)

PACKAGED = Path(__file__).resolve().parents[2] / "src" / "tidu_whistle" / "reference"
SHARED = Path("/work/shared/data")


def test_packaged_reference_loads(reference: Reference) -> None:
    assert len(reference.categories) == 19
    assert "jxw" in reference.kinds and reference.kinds["jxw"].coordinator
    assert reference.escalate_to == "500000" and reference.coordinator_kind == "jxw"
    land = reference.category("land")
    assert (land.lead_kind, land.co_kinds) == ("ghzy", ("jxw", "yq"))
    assert (land.check_in_working_days, land.resolve_working_days) == (1, 20)
    energy = reference.category("energy")
    assert (energy.check_in_working_days, energy.resolve_working_days) == (1, 10)  # defaults
    assert reference.region("500114").name == "黔江区"


def test_load_from_a_directory_gives_the_same_data(reference: Reference) -> None:
    assert load_reference(PACKAGED) == reference


@pytest.mark.skipif(not SHARED.exists(), reason="the shared data folder is not mounted")
@pytest.mark.parametrize("name", ["issue_categories.yaml", "departments.yaml", "districts.csv"])
def test_the_service_copy_matches_the_shared_data(name: str) -> None:
    assert (PACKAGED / name).read_text(encoding="utf-8") == (SHARED / name).read_text(encoding="utf-8")


def test_unknown_lookups_raise_typed_errors(reference: Reference) -> None:
    cases = [
        (lambda: reference.category("nope"), ErrorCode.UNKNOWN_CATEGORY),
        (lambda: reference.region("999999"), ErrorCode.UNKNOWN_DISTRICT),
        (lambda: reference.department("500113-nope"), ErrorCode.UNKNOWN_DEPARTMENT),
        (lambda: reference.department("999999-jxw"), ErrorCode.UNKNOWN_DEPARTMENT),
        (lambda: reference.department("500113jxw"), ErrorCode.INVALID_DEPARTMENT_CODE),
        (lambda: reference.department("50011-jxw"), ErrorCode.INVALID_DEPARTMENT_CODE),
        (lambda: reference.department("500113-JXW"), ErrorCode.INVALID_DEPARTMENT_CODE),
    ]
    for call, code in cases:
        with pytest.raises(DomainError) as err:
            call()
        assert err.value.code is code


def test_department_codes_round_trip() -> None:
    code = DepartmentCode.parse(" 500113-jxw ")
    assert (code.region, code.kind, str(code)) == ("500113", "jxw", "500113-jxw")
    assert DepartmentCode.parse(code) is code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("500113-jxw", "巴南区经济信息委"),
        ("500000-jxw", "重庆市经济信息委"),
        ("500114-ghzy", "黔江区规划自然资源局"),
        ("500113-yq", "巴南区工业园区管委会"),
        ("500229-scjg", "城口县市场监管局"),
    ],
)
def test_department_names(reference: Reference, code: str, name: str) -> None:
    assert reference.department_name(code) == name


def test_region_covers() -> None:
    assert region_covers("500000", "500113")
    assert region_covers("500113", "500113")
    assert not region_covers("500113", "500114")
    assert region_covers("360100", "360102")
    assert region_covers("360000", "360102")
    assert not region_covers("360100", "500113")
    assert not region_covers("500000", "360102")


def test_escalation_regions(reference: Reference) -> None:
    assert reference.escalation_region("500113") == "500000"
    assert reference.escalation_region("500229") == "500000"
    assert reference.escalation_region("500000") is None
    assert reference.escalation_region("360102") == "360100"  # nearest known ancestor
    assert reference.escalation_region("360100") == "360000"
    assert reference.escalation_region("360000") is None


def test_coordinator(reference: Reference) -> None:
    assert reference.coordinator_for("500114") == DepartmentCode("500114", "jxw")


def _docs() -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
    categories = yaml.safe_load((PACKAGED / "issue_categories.yaml").read_text(encoding="utf-8"))
    departments = yaml.safe_load((PACKAGED / "departments.yaml").read_text(encoding="utf-8"))
    regions = [{"code": "500000", "name": "重庆市", "province": "重庆市", "kind": "municipality"}]
    return categories, departments, regions


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c, d, r: c["categories"]["land"].__setitem__("lead", "nosuch"), "unknown department kind"),
        (lambda c, d, r: c["categories"]["land"].__setitem__("co", ["ghzy"]), "also listed"),
        (lambda c, d, r: c["categories"]["land"].__setitem__("co", ["jxw", "jxw"]), "duplicate"),
        (lambda c, d, r: c["categories"]["land"].__setitem__("resolve_working_days", -1), "non-negative"),
        (lambda c, d, r: c["defaults"].__setitem__("escalate_to", "999999"), "escalate_to"),
        (lambda c, d, r: c["defaults"].__setitem__("coordinator_kind", "kjj"), "not flagged"),
        (lambda c, d, r: c["defaults"].__setitem__("coordinator_kind", "zzz"), "coordinator_kind"),
        (lambda c, d, r: r.append({"code": "12", "name": "x", "province": "x", "kind": "x"}), "GB/T 2260"),
        (lambda c, d, r: c.__setitem__("categories", {}), "none"),
    ],
)
def test_inconsistent_reference_data_is_refused(mutate: Any, message: str) -> None:
    categories, departments, regions = copy.deepcopy(_docs())
    mutate(categories, departments, regions)
    with pytest.raises(ReferenceDataError, match=message):
        parse_reference(categories, departments, regions)
