"""成約 page: the previous prefecture is the primary input; the list shows the derived area."""

import datetime as dt

import pytest
from sqlmodel import select

from crm.models import Placement
from tests.pages.forms import fkey
from tests.pages.hub_helpers import submit, texts
from tests.utils.clock import pin_today
from tests.utils.factories import make_company, make_consultation, make_need

PAGE = "pages/placements.py"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    pin_today(monkeypatch, TODAY)


def test_record_a_placement_with_the_previous_prefecture(open_page, session, actors):
    company = make_company(session, actors.manager01, name="札幌精機株式会社")
    consultation = make_consultation(session, actors.manager01, company, on=dt.date(2026, 4, 1))
    need = make_need(session, actors.manager01, consultation)
    session.commit()

    at = open_page(actors.manager01, PAGE, query={"need": str(need.id)})
    assert not at.exception
    at.date_input(key=fkey(at, "placement_new", "placed_on")).set_value(dt.date(2026, 10, 1))
    at.selectbox(key=fkey(at, "placement_new", "previous_prefecture")).select("27")
    submit(at, "成約を記録")
    assert not at.exception

    session.expire_all()
    [placement] = session.exec(select(Placement)).all()
    assert (placement.previous_prefecture, placement.previous_residence) == ("27", "other_region")
    assert "大阪圏（大阪府）" in texts(at)
