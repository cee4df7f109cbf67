"""The department-topics CLI: every (region, kind) of the reference data, and per-topic ACLs."""

from __future__ import annotations

import pytest

from tidu_whistle.department_topics import acl_commands, departments, main
from tidu_whistle.domain.reference import DepartmentCode, Reference


def test_departments_of_a_region(reference: Reference) -> None:
    depts = departments(reference, "500113")
    assert DepartmentCode("500113", "jrb") in depts
    assert len(depts) == len(reference.kinds)
    assert len(departments(reference)) == len(reference.kinds) * len(reference.regions)


def test_acls_grant_a_department_its_own_topic_only() -> None:
    lines = acl_commands(DepartmentCode("500113", "jrb"), "kafka:9093", "admin.properties")
    assert any("--topic tidu.whistle.dept.500113-jrb" in line and "User:dept-500113-jrb" in line for line in lines)
    assert all("500113-jrb" in line for line in lines)


def test_cli_lists_topics(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--region", "500113"]) == 0
    out = capsys.readouterr().out.split()
    assert "tidu.whistle.dept.500113-jrb" in out
    assert main(["list", "--region", "999999"]) == 2
