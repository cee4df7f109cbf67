"""The four services as the launcher, the CLI and the tests know them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceInfo:
    name: str  # registry, finance-match …
    package: str  # tidu_registry …
    port: int

    @property
    def env_prefix(self) -> str:
        return f"TIDU_{self.name.upper().replace('-', '_')}_"

    @property
    def app_factory(self) -> str:
        return f"{self.package}.app:create_app"

    @property
    def db_name(self) -> str:
        return self.name.replace("-", "_")


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("registry", "tidu_registry", 8001),
    ServiceInfo("eligibility", "tidu_eligibility", 8002),
    ServiceInfo("finance-match", "tidu_finance_match", 8003),
    ServiceInfo("whistle", "tidu_whistle", 8004),
)


def service(name: str) -> ServiceInfo:
    for s in SERVICES:
        if s.name == name or s.package == name:
            return s
    raise KeyError(f"unknown service {name!r}; one of {[s.name for s in SERVICES]}")
