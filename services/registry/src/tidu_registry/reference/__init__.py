"""Reference data shipped with the registry: GB/T 2260 districts and district targets (目标清单).

Copies of /work/shared/data; loaded on demand by tidu_registry.domain.districts and .targets, never at import time.
"""
