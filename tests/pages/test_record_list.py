"""The list component on 相談記録 (ui.record_list): a view opened from its address shows the
rows the database holds for it, a change of the view goes into the address, and an address
edited by hand shows the default view, never a traceback."""

import datetime as dt

from tests.pages.hub_helpers import open_panel, texts
from tests.utils.factories import make_company, make_consultation

PAGE = "pages/consultations.py"


def _fill(session, actors):
    firm = make_company(session, actors.manager01, name="一覧確認株式会社")
    for n, channel in enumerate(["visit", "seminar", "visit", "inbound", "seminar"]):
        make_consultation(
            session,
            actors.manager01,
            firm,
            on=dt.date(2025, 4, 1) + dt.timedelta(days=30 * n),
            channel=channel,
            summary=f"相談{n}",
        )
    make_consultation(session, actors.manager01, firm, on=dt.date(2024, 6, 1), summary="前年度")
    session.commit()


def _summaries(at) -> list[str]:
    return [t for t in texts(at) if t.startswith("相談") and t[2:].isdigit() or t == "前年度"]


def test_a_view_opened_from_its_address(open_page, session, actors):
    _fill(session, actors)
    at = open_page(
        actors.manager01,
        PAGE,
        query={
            "channel": "seminar,visit",
            "fy": "2025",
            "order": "asc",
            "cols": "consulted_on,summary",
        },
    )
    assert not at.exception
    assert _summaries(at) == ["相談0", "相談1", "相談2", "相談4"]  # oldest first, no 問い合わせ
    headers = [t for t in texts(at) if t in ("相談日", "企業", "相談内容", "相談経路")]
    assert "企業" not in headers and "相談経路" not in headers  # the chosen columns only
    assert any("全 4 件中 1〜4 件" in c.value for c in at.caption)


def test_a_change_of_the_view_goes_into_the_address(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, PAGE)
    assert _summaries(at)[:2] == ["相談4", "相談3"]  # newest first by default
    assert "order" not in at.query_params
    open_panel(at, "consultations")
    at.selectbox(key="consultations.view.order").set_value("asc").run()
    at.multiselect(key="consultations.view.channel").select("inbound").run()
    assert not at.exception
    assert _summaries(at) == ["相談3"]
    assert at.query_params["order"] in ("asc", ["asc"])
    assert at.query_params["channel"] in ("inbound", ["inbound"])


def test_an_address_edited_by_hand_shows_the_default_view(open_page, session, actors):
    _fill(session, actors)
    at = open_page(
        actors.manager01,
        PAGE,
        query={
            "sort": "DROP TABLE",
            "fy": "99999",
            "from": "2025-13-40",
            "size": "7",
            "channel": "x",
        },
    )
    assert not at.exception
    assert _summaries(at) == ["相談4", "相談3", "相談2", "相談1", "相談0", "前年度"]
