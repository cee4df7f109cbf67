"""The whistle service's own copy of its reference data (from /work/shared/data).

- ``issue_categories.yaml``: categories, default lead / co-handling department kinds, working-day
  deadlines, the escalation region and the coordinator kind;
- ``departments.yaml``: department kinds (a department code is ``<region code>-<kind>``);
- ``districts.csv``: GB/T 2260 regions the service knows.

Loaded by :func:`tidu_whistle.domain.reference.load_reference`.
"""
