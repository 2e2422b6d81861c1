"""Cached reads are keyed by the data versions of the hubs they read: a save in one hub leaves
the secretariat's cached view of another hub as it is (issue: "a save in any hub empties the
secretariat's cache")."""

from crm.analytics.filters import AnalyticsFilter
from crm.services.base import data_version
from tests.utils.factories import make_company
from ui.cache import hubs_read


def test_a_save_in_one_hub_leaves_the_version_of_another_hubs_read(session, actors):
    def versions():
        return (
            data_version(session, "all"),
            data_version(session, "all", ["02"]),
            data_version(session, "all", ["01", "02"]),
        )

    before = versions()
    make_company(session, actors.manager01, name="北海道の会社")
    after_01 = versions()
    assert after_01[0] > before[0]  # every hub: changed
    assert after_01[1] == before[1]  # hub 02 only: kept
    assert after_01[2] > before[2]  # hubs 01 and 02: changed
    make_company(session, actors.manager02, name="青森の会社")
    after_02 = versions()
    assert after_02[1] > after_01[1]


def test_the_hubs_a_cached_query_reads_come_from_its_arguments():
    assert hubs_read({"hubs": ("06", "02")}) == ["02", "06"]
    assert hubs_read({"hubs": ()}) is None  # no narrowing: every hub
    assert hubs_read({"hub_code": "06"}) == ["06"]
    assert hubs_read({"filters": AnalyticsFilter(blocks=("東北",))}) == [
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
    ]
    assert hubs_read({"filters": AnalyticsFilter()}) is None
    assert hubs_read({"today": None}) is None
