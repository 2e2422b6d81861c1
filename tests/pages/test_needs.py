"""人材ニーズ page: board by status, opening a need, moving it, referring it, outcomes."""

import datetime as dt

from sqlmodel import func, select, text

from crm.models import NeedStatusChange, Referral, TalentNeed
from crm.services import needs
from crm.timeutil import today_jst
from tests.pages.forms import fkey
from tests.pages.hub_helpers import (
    errors,
    frame_with,
    link_labels,
    links,
    message_under,
    submit,
)
from tests.utils.factories import make_company, make_consultation, make_need, make_partner
from ui.views.need_board import STATUS_KEY

PAGE = "pages/needs.py"


def _need_rows(session):
    session.expire_all()
    return session.exec(select(TalentNeed).order_by(TalentNeed.id)).all()


def _board(session, actors):
    """Own hub: 2 open, 1 referred, 1 withdrawn; another hub: 1 open."""
    company = make_company(session, actors.manager01, name="山形精密株式会社")
    consultation = make_consultation(session, actors.manager01, company, on=dt.date(2026, 4, 1))
    made = [
        make_need(session, actors.manager01, consultation, role_title=title)
        for title in ("営業部長", "工場長", "経理課長", "品質管理")
    ]
    partner = make_partner(session)
    needs.refer_need(
        session,
        actors.manager01,
        {"need_id": made[1].id, "partner_id": partner.id, "referred_on": dt.date(2026, 4, 5)},
    )
    needs.move_need(
        session, actors.manager01, made[3].id, "withdrawn", made[3].version, on=dt.date(2026, 4, 6)
    )
    theirs = make_company(session, actors.manager02, name="青森林業株式会社")
    make_need(
        session,
        actors.manager02,
        make_consultation(session, actors.manager02, theirs),
        role_title="他拠点の職種",
    )
    session.commit()
    return company, consultation, made, partner


def _statuses(at) -> dict[str, str]:
    """The board's status control: each status's code and what it shows."""
    control = at.segmented_control(key=STATUS_KEY)
    return dict(zip(["open", "referred", "placed", "withdrawn"], control.options, strict=True))


def _need_links(at) -> list[str]:
    return [label for label, page, params in links(at) if "need" in params]


def _shown_by_status(at) -> dict[str, list[str]]:
    """The needs listed under each status, choosing each in turn (one list is built at a time)."""
    shown = {}
    for status in ("open", "referred", "placed", "withdrawn"):
        at.segmented_control(key=STATUS_KEY).set_value(status).run()
        assert not at.exception
        shown[status] = _need_links(at)
    return shown


def _counted(session, hub: str | None = None) -> dict[str, int]:
    """Needs per status, read with plain SQL (independent of the services)."""
    where = "" if hub is None else f" WHERE hub_code = '{hub}'"
    rows = session.exec(
        text(f"SELECT status, COUNT(*) FROM talent_need{where} GROUP BY status")
    ).all()
    return dict(rows)


def test_board_counts_and_lists_by_status(open_page, session, actors):
    company, _consultation, made, _partner = _board(session, actors)
    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    assert _counted(session, "01") == {"open": 2, "referred": 1, "withdrawn": 1}
    assert _statuses(at) == {
        "open": "受付（2）",
        "referred": "紹介中（1）",
        "placed": "成約（0）",
        "withdrawn": "取り下げ（1）",
    }
    # Only the chosen status's list is built: the first run shows 受付 alone.
    assert at.segmented_control(key=STATUS_KEY).value == "open"
    assert _need_links(at) == ["経理課長", "営業部長"]
    # A need is named by its role (its firm and date beside it), never by its number.
    assert not any("#" in label for label in link_labels(at))
    assert _shown_by_status(at) == {
        "open": ["経理課長", "営業部長"],
        "referred": ["工場長"],
        "placed": [],
        "withdrawn": ["品質管理"],
    }
    assert {params["need"] for _l, _p, params in links(at) if "need" in params} == {str(made[3].id)}
    assert "他拠点の職種" not in " ".join(link_labels(at))

    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    assert _statuses(at)["open"] == f"受付（{_counted(session)['open']}）" == "受付（3）"
    assert any("他拠点の職種" in label for label in link_labels(at))
    assert not [b for b in at.button if b.label == "人材ニーズを登録"]


def test_board_status_is_in_the_address(open_page, session, actors):
    _company, _consultation, made, _partner = _board(session, actors)
    at = open_page(actors.manager01, PAGE)
    assert "status" not in at.query_params  # the default status needs no parameter
    at.segmented_control(key=STATUS_KEY).set_value("withdrawn").run()
    assert at.query_params["status"] == "withdrawn"

    # A reload or a shared link opens the same status.
    at = open_page(actors.manager01, PAGE, query={"status": "withdrawn"})
    assert not at.exception
    assert at.segmented_control(key=STATUS_KEY).value == "withdrawn"
    assert _need_links(at) == ["品質管理"]
    # A hand-edited status falls back to 受付.
    at = open_page(actors.manager01, PAGE, query={"status": "nonsense"})
    assert not at.exception
    assert at.segmented_control(key=STATUS_KEY).value == "open"
    assert _need_links(at) == ["経理課長", "営業部長"]


def test_board_view_filters_counts_and_rows(open_page, session, actors):
    """The view's filters narrow the counts beside each status and the rows alike."""
    _company, consultation, made, _partner = _board(session, actors)
    make_need(
        session, actors.manager01, consultation, role_title="副業の広報", engagement="side_job"
    )
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"engagement": "side_job"})
    assert not at.exception
    side_jobs = session.exec(
        text(
            "SELECT status, COUNT(*) FROM talent_need WHERE hub_code = '01'"
            " AND engagement = 'side_job' GROUP BY status"
        )
    ).all()
    assert dict(side_jobs) == {"open": 1}
    assert _statuses(at) == {
        "open": "受付（1）",
        "referred": "紹介中（0）",
        "placed": "成約（0）",
        "withdrawn": "取り下げ（0）",
    }
    assert _need_links(at) == ["副業の広報"]


def test_open_a_need_from_a_consultation(open_page, session, actors):
    company = make_company(session, actors.manager01)
    consultation = make_consultation(session, actors.manager01, company, on=dt.date(2026, 11, 1))
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"consultation": str(consultation.id)})
    assert at.selectbox(key=fkey(at, "need_new", "consultation_id")).value == consultation.id
    at.selectbox(key=fkey(at, "need_new", "category_id")).select(2)
    at.text_input(key=fkey(at, "need_new", "role_title")).input("ＤＸ推進リーダー")
    at.number_input(key=fkey(at, "need_new", "headcount")).set_value(2)
    at.selectbox(key=fkey(at, "need_new", "engagement")).select("side_job")
    at.selectbox(key=fkey(at, "need_new", "salary_band")).select("6m_8m")
    submit(at, "人材ニーズを登録")
    assert not at.exception

    [need] = _need_rows(session)
    assert (
        need.company_id,
        need.consultation_id,
        need.category_id,
        need.role_title,
        need.headcount,
        need.engagement,
        need.salary_band,
        need.status,
        need.opened_on,
    ) == (
        company.id,
        consultation.id,
        2,
        "ＤＸ推進リーダー",  # kept as typed (full-width); matching folds it
        2,
        "side_job",
        "6m_8m",
        "open",
        today_jst(),
    )
    # The new need's own page opens.
    assert at.query_params["need"] == str(need.id)
    assert at.title[0].value.startswith("ＤＸ推進リーダー")


def test_bad_need_input_writes_nothing(open_page, session, actors):
    company = make_company(session, actors.manager01)
    make_consultation(session, actors.manager01, company)
    session.commit()
    at = open_page(actors.manager01, PAGE)
    at.text_input(key=fkey(at, "need_new", "role_title")).input("営業")
    # The number field holds the declared bounds (the browser types nothing outside them).
    headcount = at.number_input(key=fkey(at, "need_new", "headcount"))
    assert (headcount.min, headcount.max, headcount.value) == (1, 1_000, 1)
    submit(at, "人材ニーズを登録")
    assert not at.exception
    assert _need_rows(session) == []
    assert message_under(at, "need_new.consultation_id") == "必須項目です"
    assert message_under(at, "need_new.headcount") is None
    assert message_under(at, "need_new.category_id") == "必須項目です"
    assert at.text_input(key=fkey(at, "need_new", "role_title")).value == "営業"


def test_need_page_moves_refers_and_records_outcomes(open_page, session, actors):
    _company, _consultation, made, partner = _board(session, actors)
    need = made[0]
    at = open_page(actors.manager01, PAGE, query={"need": str(need.id)})
    assert not at.exception
    assert at.title[0].value == "営業部長（山形精密株式会社）"

    # Refer to a partner: the need becomes 紹介中 on the referral date.
    form = f"need_refer.{need.id}"
    at.selectbox(key=fkey(at, form, "partner_id")).select(partner.id)
    at.date_input(key=fkey(at, form, "referred_on")).set_value(dt.date(2026, 4, 15))
    submit(at, "紹介を記録")
    assert not at.exception
    session.expire_all()
    assert session.get(TalentNeed, need.id).status == "referred"
    [referral] = session.exec(select(Referral).where(Referral.need_id == need.id)).all()
    assert (referral.partner_id, referral.referred_on) == (partner.id, dt.date(2026, 4, 15))
    assert {m.label: m.value for m in at.metric}["状況"] == "紹介中"

    # Record the partner's outcome.
    form = f"referral.{referral.id}"
    at.selectbox(key=fkey(at, form, "outcome")).select("candidates")
    at.text_area(key=fkey(at, form, "notes")).input("候補者2名")
    submit(at, "結果を保存")
    assert not at.exception
    session.expire_all()
    referral = session.get(Referral, referral.id)
    assert (referral.outcome, referral.notes) == ("candidates", "候補者2名")
    table = frame_with(at, "紹介先")
    assert list(table["結果"]) == ["候補者提示"]

    # Withdraw it with a date and a note.
    form = f"need_move.{need.id}"
    assert at.selectbox(key=fkey(at, form, "status")).options == ["受付", "取り下げ"]
    at.selectbox(key=fkey(at, form, "status")).select("withdrawn")
    at.date_input(key=fkey(at, form, "changed_on")).set_value(dt.date(2026, 5, 1))
    at.text_input(key=fkey(at, form, "note")).input("採用見送り")
    submit(at, "状態を変更")
    assert not at.exception
    session.expire_all()
    assert session.get(TalentNeed, need.id).status == "withdrawn"
    history = session.exec(
        select(NeedStatusChange)
        .where(NeedStatusChange.need_id == need.id)
        .order_by(NeedStatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status, h.changed_on, h.note) for h in history] == [
        (None, "open", dt.date(2026, 4, 1), None),
        ("open", "referred", dt.date(2026, 4, 15), "パートナーへ紹介"),
        ("referred", "withdrawn", dt.date(2026, 5, 1), "採用見送り"),
    ]
    shown = frame_with(at, "変更")
    assert list(shown["日付"]) == ["2026/04/01", "2026/04/15", "2026/05/01"]
    assert list(shown["変更"]) == ["— → 受付", "受付 → 紹介中", "紹介中 → 取り下げ"]
    assert not [b for b in at.button if b.label == "紹介を記録"]  # withdrawn: no referring


def test_future_move_is_refused_next_to_the_date(open_page, session, actors):
    _company, _consultation, made, _partner = _board(session, actors)
    need = made[0]
    form = f"need_move.{need.id}"
    at = open_page(actors.manager01, PAGE, query={"need": str(need.id)})
    at.date_input(key=fkey(at, form, "changed_on")).set_value(today_jst() + dt.timedelta(days=2))
    submit(at, "状態を変更")
    assert message_under(at, f"{form}.changed_on") == "未来の日付は入力できません"
    session.expire_all()
    assert session.get(TalentNeed, need.id).status == "open"
    assert (
        session.exec(
            select(func.count())
            .select_from(NeedStatusChange)
            .where(NeedStatusChange.need_id == need.id)
        ).one()
        == 1
    )


def test_another_hubs_need_is_refused_and_secretariat_reads(open_page, session, actors):
    theirs = make_company(session, actors.manager02)
    need = make_need(
        session, actors.manager02, make_consultation(session, actors.manager02, theirs)
    )
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"need": str(need.id)})
    assert not at.exception
    assert errors(at) == [
        "この記録は他の拠点（青森県）のものです。自拠点の記録だけを閲覧できます。"
    ]

    at = open_page(actors.secretariat, PAGE, query={"need": str(need.id)})
    assert not at.exception
    assert at.title[0].value.startswith("営業部長")
    assert not [b for b in at.button if b.label in ("状態を変更", "紹介を記録")]


def test_company_filter_from_the_firm_page(open_page, session, actors):
    company, _consultation, made, _partner = _board(session, actors)
    other = make_company(session, actors.manager01, name="別会社")
    make_need(
        session,
        actors.manager01,
        make_consultation(session, actors.manager01, other),
        role_title="別会社の職種",
    )
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id)})
    assert not at.exception
    assert _statuses(at) == {
        "open": "受付（2）",
        "referred": "紹介中（1）",
        "placed": "成約（0）",
        "withdrawn": "取り下げ（1）",
    }
    shown = _shown_by_status(at)
    assert shown == {
        "open": ["経理課長", "営業部長"],
        "referred": ["工場長"],
        "placed": [],
        "withdrawn": ["品質管理"],
    }
    assert not any("別会社の職種" in label for label in link_labels(at))
