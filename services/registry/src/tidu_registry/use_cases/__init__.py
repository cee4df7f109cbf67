"""Use cases of the registry service, one module per area. Each use case opens one transaction
(``tidu_registry.events.transaction``) and emits its events inside it; nothing else commits."""
