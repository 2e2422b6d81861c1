"""The demo data set (crm.demo): exact published series, sane links, determinism, scale mode."""

import pytest
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.analytics.trend import monthly_trend

SEED_CONSULTATIONS = [3, 27, 303, 758, 1427, 2186, 3020, 3883, 5044]
SEED_CONTRACTS = [6, 11, 26, 58, 93, 152, 208, 284, 373]


@pytest.fixture(scope="module")
def demo_trend(demo_template):
    from crm.db import make_engine

    engine = make_engine(f"sqlite:///{demo_template}")
    with Session(engine) as session:
        points = {p.month: p for p in monthly_trend(session, SYSTEM)}
    engine.dispose()
    return points


def test_seed_chart_is_reproduced_month_by_month(demo_trend):
    months = [f"2016-{m:02d}" for m in range(1, 10)]
    assert [demo_trend[m].cumulative_consultations for m in months] == SEED_CONSULTATIONS
    assert [demo_trend[m].cumulative_contracts for m in months] == SEED_CONTRACTS


def test_november_2020_totals_are_exact(demo_trend):
    assert demo_trend["2020-11"].cumulative_consultations == 52_144
    assert demo_trend["2020-11"].cumulative_contracts == 10_831
