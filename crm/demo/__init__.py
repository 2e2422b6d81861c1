"""Demo and synthetic data: a deterministic, realistic history for an empty database.

``load_demo`` reproduces the programme's published figures from January 2016 to this month;
``load_synthetic`` makes a set of any size for load tests. See ``crm demo --help``.
"""

from crm.demo.loader import DEFAULT_SEED, load_demo, load_synthetic
from crm.demo.summary import DemoSummary

__all__ = ["DEFAULT_SEED", "DemoSummary", "load_demo", "load_synthetic"]
