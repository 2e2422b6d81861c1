"""A page's run opens one database session when its reads are cached: the entry script's check
of the reader's session reads the data-version counters in the same transaction, and every
cached read of the run (and the reference data: hubs, categories, partners) is keyed by them
(ui.cache). A write in a run is seen by the reads after it."""

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from crm.models import DataVersion
from crm.services.base import data_counters, data_version, version_of
from tests.pages.hub_helpers import texts
from tests.utils.factories import make_company, make_consultation
from ui.runtime import get_engine

HUB_PAGES = [
    "pages/consultations.py",
    "pages/needs.py",
    "pages/placements.py",
    "pages/companies.py",
    "pages/followups.py",
    "pages/hub_dashboard.py",
]
SECRETARIAT_PAGES = [*HUB_PAGES, "pages/national.py", "pages/prefectures.py"]


def _checkouts_of_a_warm_run(at) -> int:
    engine = get_engine()
    seen: list[int] = []

    def checkout(*_args):
        seen.append(1)

    event.listen(engine, "checkout", checkout)
    try:
        at.run()
    finally:
        event.remove(engine, "checkout", checkout)
    assert not at.exception
    return len(seen)


@pytest.fixture
def filled(session, actors):
    firm = make_company(session, actors.manager01, name="一回だけ読む株式会社")
    make_consultation(session, actors.manager01, firm, summary="数える相談")
    session.commit()


@pytest.mark.parametrize("page", HUB_PAGES)
def test_a_hub_managers_warm_page_opens_one_session(open_page, actors, filled, page):
    at = open_page(actors.manager01, page)
    assert not at.exception
    assert _checkouts_of_a_warm_run(at) == 1


@pytest.mark.parametrize("page", SECRETARIAT_PAGES)
def test_the_secretariats_warm_page_opens_one_session(open_page, actors, filled, page):
    at = open_page(actors.secretariat, page)
    assert not at.exception
    assert _checkouts_of_a_warm_run(at) == 1


def test_counters_read_once_give_every_scopes_version(session, actors, filled):
    make_consultation(session, actors.manager02, make_company(session, actors.manager02))
    session.commit()
    counters = data_counters(session)
    for scope, hubs in [
        ("all", None),
        ("all", ["01"]),
        ("all", ["02", "01"]),
        ("all", []),
        ("hub:01", None),
        ("hub:02", None),
        ("hub:47", None),
    ]:
        # Against the sum the database makes of the counters the scope covers.
        scopes = [scope.removeprefix("hub:"), "*"] if scope != "all" else hubs
        summed = select(func.coalesce(func.sum(DataVersion.version), 0))
        if scopes is not None:
            summed = summed.where(col(DataVersion.scope).in_([*scopes, "*"]))
        expected = session.exec(summed).one()
        assert version_of(counters, scope, hubs) == data_version(session, scope, hubs) == expected


def test_a_save_is_seen_by_the_next_run(open_page, session, actors, filled, engine):
    at = open_page(actors.manager01, "pages/consultations.py")
    assert any("数える相談" in t for t in texts(at))
    with Session(engine) as other:  # another person saves meanwhile
        firm = make_company(other, actors.manager01, name="後から来た株式会社")
        make_consultation(other, actors.manager01, firm, summary="後からの相談")
        other.commit()
    at.run()
    assert any("後からの相談" in t for t in texts(at))
