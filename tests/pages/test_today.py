"""今日やること on the hub dashboard, in the sidebar, and per hub on the national page."""

import datetime as dt

from sqlmodel import select

from crm.models import Consultation, FollowUp
from crm.services import followups
from crm.timeutil import today_jst
from tests.pages.hub_helpers import links
from tests.utils.factories import make_company, make_consultation

DASHBOARD = "pages/hub_dashboard.py"


def _items(session, actors):
    today = today_jst()
    firm = make_company(session, actors.manager01, name="山形精密株式会社")
    overdue = followups.schedule_follow_up(
        session,
        actors.manager01,
        {"company_id": firm.id, "due_on": today - dt.timedelta(days=5), "notes": "入社3か月の面談"},
    )
    action = make_consultation(
        session,
        actors.manager01,
        firm,
        on=today - dt.timedelta(days=3),
        next_action="求人票を確認",
        next_action_on=today,
    )
    theirs = make_company(session, actors.manager02, name="他拠点の会社")
    followups.schedule_follow_up(
        session, actors.manager02, {"company_id": theirs.id, "due_on": today - dt.timedelta(days=1)}
    )
    session.commit()
    return overdue, action


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_the_dashboard_opens_with_todays_work_and_one_click_closes_a_row(
    open_page, session, actors
):
    overdue, action = _items(session, actors)
    at = open_page(actors.manager01, DASHBOARD)
    assert not at.exception
    assert at.subheader[0].value == "今日やること"
    assert (_metrics(at)["今日やること"], _metrics(at)["期限超過"]) == ("2件", "1件")
    linked = {label: params for label, _page, params in links(at)}
    assert linked["入社3か月の面談"] == {"company": str(overdue.company_id)}  # the follow-ups
    assert linked["求人票を確認"] == {"company": str(action.company_id)}  # the firm's history
    assert linked["山形精密株式会社"] == {"company": str(action.company_id)}
    assert any(m.value == ":red[**5日超過**]" for m in at.markdown)
    sidebar = [link.label for link in at.sidebar.get("page_link")]
    assert "今日やること 2件" in sidebar
    assert ":red[うち期限超過 1件]" in [c.value for c in at.sidebar.caption]

    at.button(key=f"today.close.follow_up.{overdue.id}").click().run()
    assert not at.exception
    assert (_metrics(at)["今日やること"], _metrics(at)["期限超過"]) == ("1件", "0件")
    assert "今日やること 1件" in [link.label for link in at.sidebar.get("page_link")]
    session.expire_all()
    assert session.get(FollowUp, overdue.id).done_on == today_jst()

    at.button(key=f"today.close.next_action.{action.id}").click().run()
    assert _metrics(at)["今日やること"] == "0件"
    assert (
        session.exec(
            select(Consultation.next_action_done_on).where(Consultation.id == action.id)
        ).one()
        == today_jst()
    )


def test_the_secretariat_reads_counts_only(open_page, session, actors):
    _items(session, actors)
    at = open_page(actors.secretariat, DASHBOARD, query={"hub": "01"})
    assert not at.exception
    assert _metrics(at)["今日やること"] == "2件"
    assert not [b for b in at.button if (b.key or "").startswith("today.close.")]

    at = open_page(actors.secretariat, "pages/national.py")
    assert not at.exception
    frames = [df.value for df in at.dataframe if "期限超過" in df.value.columns]
    [frame] = frames
    rows = frame.set_index("拠点")[["合計", "期限超過"]].to_dict("index")
    assert rows == {"北海道": {"合計": 2, "期限超過": 1}, "青森県": {"合計": 1, "期限超過": 1}}
    assert "全拠点の今日やること 3件" in [link.label for link in at.sidebar.get("page_link")]


def test_the_counts_by_hub_follow_the_chosen_hubs(open_page, session, actors):
    _items(session, actors)
    at = open_page(actors.secretariat, "pages/national.py")
    at.sidebar.multiselect(key="af_hubs").select("02").run()
    assert not at.exception
    [frame] = [df.value for df in at.dataframe if "期限超過" in df.value.columns]
    assert frame.set_index("拠点")[["合計", "期限超過"]].to_dict("index") == {
        "青森県": {"合計": 1, "期限超過": 1}
    }
    assert any("選択した拠点の合計: 1件" in c.value for c in at.caption)
