"""Department topics ``tidu.whistle.dept.<code>``: list them, create them, print their ACLs.

The relay creates a department's topic on its first event when the broker lets it; a production
Kafka (``auto.create.topics.enable=false``, ACLs on) wants them created up front, each readable by
its department only::

    python -m tidu_whistle.department_topics list --region 500113
    python -m tidu_whistle.department_topics create --region 500113      # KAFKA_* settings
    python -m tidu_whistle.department_topics acls --region 500113 --bootstrap kafka:9093

Departments are every (region, kind) of the reference data (``reference/``), or those of one
region with ``--region``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tidu_shared.kafka import ensure_topics
from tidu_shared.settings import KafkaSettings
from tidu_shared.topics import department_topic
from tidu_whistle.domain.reference import DepartmentCode, Reference, load_reference


def departments(reference: Reference, region: str | None = None) -> list[DepartmentCode]:
    regions = [region] if region else sorted(reference.regions)
    return [DepartmentCode(r, k) for r in regions for k in sorted(reference.kinds)]


def acl_commands(dept: DepartmentCode, bootstrap: str, config: str) -> list[str]:
    """kafka-acls.sh lines: the department's principal reads its own topic with its own groups."""
    topic = department_topic(str(dept))
    principal = f"User:dept-{dept}"
    base = f"kafka-acls.sh --bootstrap-server {bootstrap} --command-config {config} --add --allow-principal {principal}"
    return [
        f"{base} --operation Read --operation Describe --topic {topic}",
        f"{base} --operation Read --group dept-{dept}- --resource-pattern-type prefixed",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tidu_whistle.department_topics", description=__doc__)
    parser.add_argument("command", choices=("list", "create", "acls"))
    parser.add_argument("--region", help="one GB/T 2260 region, e.g. 500113")
    parser.add_argument("--bootstrap", default="kafka:9093", help="for acls: the brokers")
    parser.add_argument("--command-config", default="admin.properties", help="for acls: admin client config")
    args = parser.parse_args(argv)
    reference = load_reference()
    if args.region and args.region not in reference.regions:
        print(f"unknown region {args.region}", file=sys.stderr)
        return 2
    depts = departments(reference, args.region)
    if args.command == "list":
        for d in depts:
            print(department_topic(str(d)))
    elif args.command == "create":
        kafka = KafkaSettings()
        asyncio.run(ensure_topics(kafka, [department_topic(str(d)) for d in depts]))
        print(f"{len(depts)} department topics exist on {kafka.bootstrap_servers}")
    else:
        for d in depts:
            print("\n".join(acl_commands(d, args.bootstrap, args.command_config)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
