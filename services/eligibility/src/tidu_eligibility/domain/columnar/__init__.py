"""Columnar evaluation of the rule sets for batch runs (see ``tidu_eligibility.domain.batch``)."""
