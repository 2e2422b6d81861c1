"""フォローアップ page: overdue first, mark done, schedule for a firm or a placement."""

import datetime as dt

from sqlmodel import func, select

from crm.models import FollowUp
from crm.services import followups
from crm.timeutil import today_jst
from tests.pages.forms import fkey
from tests.pages.hub_helpers import errors, links, message_under, open_panel, submit, texts
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

PAGE = "pages/followups.py"


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _schedule(session, actor, company, days, notes, done=False):
    follow_up = followups.schedule_follow_up(
        session,
        actor,
        {"company_id": company.id, "due_on": today_jst() + dt.timedelta(days=days), "notes": notes},
    )
    if done:
        followups.complete_follow_up(
            session, actor, follow_up.id, follow_up.version, done_on=today_jst()
        )
    return follow_up


def _setup(session, actors):
    company = make_company(session, actors.manager01, name="山形精密株式会社")
    _schedule(session, actors.manager01, company, 5, "来週の面談")
    _schedule(session, actors.manager01, company, -10, "遅れている確認")
    _schedule(session, actors.manager01, company, -40, "済んだ確認", done=True)
    theirs = make_company(session, actors.manager02, name="青森林業株式会社")
    _schedule(session, actors.manager02, theirs, -3, "他拠点の確認")
    session.commit()
    return company


def test_overdue_first_then_due_and_done_on_request(open_page, session, actors):
    _setup(session, actors)
    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    assert _metrics(at) == {"期限超過": "1", "予定": "1", "完了": "1"}
    assert "期日を過ぎたフォローアップが 1 件あります。早めに連絡を取りましょう。" in errors(at)
    cells = texts(at)
    assert cells.index("遅れている確認") < cells.index("来週の面談")
    assert "10日超過" in cells and "あと5日" in cells
    assert "済んだ確認" not in cells and "他拠点の確認" not in cells  # open ones by default
    assert "state" not in at.query_params

    open_panel(at, "followups")
    at.multiselect(key="followups.view.state").select("done").run()
    cells = texts(at)
    assert "済んだ確認" in cells and f"完了 {today_jst():%Y/%m/%d}" in cells
    assert "他拠点の確認" not in cells
    assert at.query_params["state"] in ("overdue,upcoming,done", ["overdue,upcoming,done"])

    # Only the done one; then every state (none chosen), which the address calls ``all``.
    at.multiselect(key="followups.view.state").set_value(["done"]).run()
    assert [c for c in texts(at) if c.endswith("確認") or c.endswith("面談")] == ["済んだ確認"]
    at.multiselect(key="followups.view.state").set_value([]).run()
    assert at.query_params["state"] in ("all", ["all"])
    cells = texts(at)
    assert {"済んだ確認", "遅れている確認", "来週の面談"} <= set(cells)


def test_a_view_opened_from_its_address(open_page, session, actors):
    """Latest due first, of a due-date range, every state: the rows in that order."""
    _setup(session, actors)
    today = today_jst()
    at = open_page(
        actors.manager01,
        PAGE,
        query={
            "state": "all",
            "order": "desc",
            "from": (today - dt.timedelta(days=41)).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert not at.exception
    shown = [c for c in texts(at) if c in ("来週の面談", "遅れている確認", "済んだ確認")]
    assert shown == ["遅れている確認", "済んだ確認"]  # 来週 is beyond the range
    assert any("全 2 件中 1〜2 件" in c.value for c in at.caption)


def test_mark_done_with_date_and_notes(open_page, session, actors):
    _setup(session, actors)
    at = open_page(actors.manager01, PAGE)
    picker = at.selectbox(key=fkey(at, "follow_up_done", "follow_up_id"))
    overdue = [
        f for f in followups.list_follow_ups(session, actors.manager01) if followups.is_overdue(f)
    ][0]
    picker.select(overdue.id)
    at.date_input(key=fkey(at, "follow_up_done", "done_on")).set_value(
        today_jst() - dt.timedelta(days=1)
    )
    at.text_area(key=fkey(at, "follow_up_done", "notes")).input("電話で状況確認、順調")
    submit(at, "完了にする")
    assert not at.exception
    session.expire_all()
    row = session.get(FollowUp, overdue.id)
    assert (row.done_on, row.notes) == (today_jst() - dt.timedelta(days=1), "電話で状況確認、順調")
    assert _metrics(at) == {"期限超過": "0", "予定": "1", "完了": "2"}


def test_mark_done_needs_a_choice_and_no_future_date(open_page, session, actors):
    _setup(session, actors)
    at = open_page(actors.manager01, PAGE)
    submit(at, "完了にする")
    assert (
        message_under(at, "follow_up_done.follow_up_id")
        == "完了にするフォローアップを選んでください"
    )
    upcoming = [
        f
        for f in followups.list_follow_ups(session, actors.manager01)
        if not followups.is_overdue(f)
    ][0]
    at.selectbox(key=fkey(at, "follow_up_done", "follow_up_id")).select(upcoming.id)
    at.date_input(key=fkey(at, "follow_up_done", "done_on")).set_value(
        today_jst() + dt.timedelta(days=1)
    )
    submit(at, "完了にする")
    assert message_under(at, "follow_up_done.done_on") == "未来の日付は入力できません"
    session.expire_all()
    assert session.get(FollowUp, upcoming.id).done_on is None


def test_schedule_for_a_firm_and_for_a_placement(open_page, session, actors):
    company = make_company(session, actors.manager01, name="山形精密株式会社")
    need = make_need(
        session,
        actors.manager01,
        make_consultation(session, actors.manager01, company, on=dt.date(2026, 4, 1)),
    )
    placement = make_placement(session, actors.manager01, need, on=dt.date(2026, 4, 20))
    session.commit()
    before = session.exec(select(func.count()).select_from(FollowUp)).one()  # one automatic

    at = open_page(actors.manager01, PAGE)
    submit(at, "予定に追加")
    assert message_under(at, "follow_up_new.company_id") == "企業または成約を選んでください"

    at.selectbox(key=fkey(at, "follow_up_new", "company_id")).select(company.id)
    at.date_input(key=fkey(at, "follow_up_new", "due_on")).set_value(dt.date(2027, 1, 15))
    at.text_area(key=fkey(at, "follow_up_new", "notes")).input("年明けの訪問")
    submit(at, "予定に追加")
    assert not at.exception

    at.radio(key="follow_up_new.target").set_value("placement").run()
    at.selectbox(key=fkey(at, "follow_up_new", "placement_id")).select(placement.id)
    at.date_input(key=fkey(at, "follow_up_new", "due_on")).set_value(dt.date(2027, 4, 20))
    submit(at, "予定に追加")
    assert not at.exception

    session.expire_all()
    rows = session.exec(select(FollowUp).order_by(FollowUp.id)).all()[before:]
    assert [(f.company_id, f.placement_id, f.due_on, f.notes, f.hub_code) for f in rows] == [
        (company.id, None, dt.date(2027, 1, 15), "年明けの訪問", "01"),
        (company.id, placement.id, dt.date(2027, 4, 20), None, "01"),
    ]
    onward = [params for label, _p, params in links(at) if label.startswith("成約（")]
    assert {"need": str(need.id)} in onward


def test_company_filter_and_secretariat(open_page, session, actors):
    company = _setup(session, actors)
    other = make_company(session, actors.manager01, name="別会社")
    _schedule(session, actors.manager01, other, 3, "別会社の予定")
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id)})
    assert not at.exception
    assert "別会社の予定" not in texts(at) and "来週の面談" in texts(at)
    assert at.selectbox(key=fkey(at, "follow_up_new", "company_id")).value == company.id

    theirs_id = followups.list_follow_ups(session, actors.manager02)[0].company_id
    at = open_page(actors.manager01, PAGE, query={"company": str(theirs_id)})
    assert not at.exception
    assert "他の拠点の企業" in errors(at)[0]

    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    assert _metrics(at) == {"期限超過": "2", "予定": "2", "完了": "1"}
    assert "他拠点の確認" in texts(at)
    assert not [b for b in at.button if b.label in ("完了にする", "予定に追加")]


def test_counts_hold_beyond_one_page_of_rows(open_page, session, actors):
    """With more follow-ups than any page lists, the counts are the database's, not a page's."""
    today = today_jst()
    mine = make_company(session, actors.manager01, name="多数フォロー株式会社")
    theirs = make_company(session, actors.manager02, name="他拠点フォロー株式会社")
    rows = []
    for company, overdue, upcoming, done in ((mine, 530, 40, 610), (theirs, 7, 3, 5)):
        plan = [(-1 - i % 90, None) for i in range(overdue)]
        plan += [(1 + i % 60, None) for i in range(upcoming)]
        plan += [(-100, today - dt.timedelta(days=1 + i % 30)) for i in range(done)]
        rows += [
            FollowUp(hub_code=company.hub_code, company_id=company.id,
                     due_on=today + dt.timedelta(days=days), done_on=done_on)
            for days, done_on in plan
        ]  # fmt: skip
    session.add_all(rows)
    session.commit()

    def counted(hub: str | None, condition) -> int:
        statement = select(func.count()).select_from(FollowUp).where(condition)
        if hub:
            statement = statement.where(FollowUp.hub_code == hub)
        return session.exec(statement).one()

    for actor, hub in ((actors.manager01, "01"), (actors.secretariat, None)):
        at = open_page(actor, PAGE)
        assert not at.exception
        expected = {
            "期限超過": counted(hub, (FollowUp.done_on.is_(None)) & (FollowUp.due_on < today)),
            "予定": counted(hub, (FollowUp.done_on.is_(None)) & (FollowUp.due_on >= today)),
            "完了": counted(hub, FollowUp.done_on.is_not(None)),
        }
        assert _metrics(at) == {label: f"{n:,}" for label, n in expected.items()}
        assert expected["期限超過"] >= 530 and expected["完了"] >= 610


def test_a_follow_up_beyond_the_first_page_is_found_and_closed_from_the_picker(
    open_page, session, actors
):
    """The 完了にする picker asks the database: a follow-up scheduled for the latest date, on
    no page the list draws first, is found by its firm's name and closed."""
    many = make_company(session, actors.manager01, name="多数フォロー株式会社")
    for days in range(1, 81):  # 80 open follow-ups, more than a page and than the picker shows
        _schedule(session, actors.manager01, many, days, f"定期確認{days}")
    late = make_company(session, actors.manager01, name="最後尾工業株式会社")
    last = _schedule(session, actors.manager01, late, 200, "半年後の面談")
    theirs = make_company(session, actors.manager02, name="最後尾林業株式会社")
    _schedule(session, actors.manager02, theirs, 300, "他拠点の面談")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    picker = at.selectbox(key=fkey(at, "follow_up_done", "follow_up_id"))
    assert not any("最後尾" in option for option in picker.options)
    assert any("未完了 81 件のうち期日の早い 50 件" in c.value for c in at.caption)

    at.text_input(key="follow_up_done.query").input("最後尾").run()
    picker = at.selectbox(key=fkey(at, "follow_up_done", "follow_up_id"))
    # Only this hub's firm: 最後尾林業 belongs to another hub.
    assert (
        len(picker.options) == 1
        and "最後尾工業株式会社（企業） – 半年後の面談" in picker.options[0]
    )
    picker.select(last.id)
    submit(at, "完了にする")
    assert not at.exception
    session.expire_all()
    assert session.get(FollowUp, last.id).done_on == today_jst()
    assert (
        session.exec(
            select(func.count()).select_from(FollowUp).where(FollowUp.done_on.is_not(None))
        ).one()
        == 1
    )
