"""Cross-service tests: the real broker and the four services as processes."""
