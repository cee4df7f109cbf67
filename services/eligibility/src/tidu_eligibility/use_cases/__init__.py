"""Use cases of the eligibility service, one module per area. Each write opens one
``db.transaction()`` (or runs inside a consumer's); routes and the batch runner call these."""
