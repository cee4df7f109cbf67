"""Event contracts, one module per producing service. Importing this package registers every
event type. A contract is edited only by its producer; a breaking change gets a new ``.vN``."""

from tidu_shared.contracts import audit, base, eligibility, finance, registry, whistle  # noqa: F401
