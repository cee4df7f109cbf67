"""Reference data shipped with the service: the demo product catalogue (a copy of shared/data/products.yaml)."""
