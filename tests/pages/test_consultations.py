"""相談記録 page: fast entry, the inline new-firm path (one transaction), recent list."""

import datetime as dt

from sqlmodel import func, select

from crm.models import AuditLog, Company, Consultation
from crm.timeutil import today_jst
from tests.pages.forms import fkey
from tests.pages.hub_helpers import link_labels, links, message_under, submit, texts
from tests.utils.factories import make_company, make_consultation

PAGE = "pages/consultations.py"


def _count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_entry_writes_one_consultation_and_offers_a_need(open_page, session, actors):
    company = make_company(session, actors.manager01, name="山形精密株式会社")
    make_company(session, actors.manager01, name="米沢織物株式会社")
    make_company(session, actors.manager02, name="青森林業株式会社")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    picker = at.selectbox(key=fkey(at, "consult", "company_id"))
    assert picker.options == ["山形精密株式会社", "米沢織物株式会社"]  # own hub only
    assert picker.value is None
    assert at.date_input(key=fkey(at, "consult", "consulted_on")).value == today_jst()

    picker.select(company.id)
    at.selectbox(key=fkey(at, "consult", "channel")).select("seminar")
    at.text_area(key=fkey(at, "consult", "summary")).input(
        "セミナー後に社長と面談。営業部長を検討。"
    )
    at.selectbox(key=fkey(at, "consult", "stance")).select("considering")
    at.text_input(key=fkey(at, "consult", "next_action")).input("求人票のたたき台を持参")
    at.date_input(key=fkey(at, "consult", "next_action_on")).set_value(dt.date(2026, 12, 10))
    submit(at, "相談を記録")
    assert not at.exception

    session.expire_all()
    rows = session.exec(select(Consultation)).all()
    assert [
        (
            c.company_id,
            c.hub_code,
            c.consulted_on,
            c.channel,
            c.stance,
            c.next_action,
            c.next_action_on,
            c.logged_by,
        )
        for c in rows
    ] == [
        (
            company.id,
            "01",
            today_jst(),
            "seminar",
            "considering",
            "求人票のたたき台を持参",
            dt.date(2026, 12, 10),
            actors.manager01.user_id,
        )
    ]
    assert _count(session, Company) == 3
    offered = {label: params for label, _page, params in links(at)}
    assert offered["この相談から人材ニーズを登録"] == {"consultation": str(rows[0].id)}
    # The form is empty again for the next entry; the new row heads the recent list.
    assert at.text_area(key=fkey(at, "consult", "summary")).value == ""
    assert at.selectbox(key=fkey(at, "consult", "company_id")).value is None
    assert "セミナー後に社長と面談。営業部長を検討。" in texts(at)


def test_company_is_preselected_from_the_link(open_page, session, actors):
    make_company(session, actors.manager01, name="あ株式会社")
    company = make_company(session, actors.manager01, name="い株式会社")
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id)})
    assert at.selectbox(key=fkey(at, "consult", "company_id")).value == company.id


def test_missing_company_and_future_date_write_nothing(open_page, session, actors):
    make_company(session, actors.manager01)
    session.commit()
    at = open_page(actors.manager01, PAGE)
    at.date_input(key=fkey(at, "consult", "consulted_on")).set_value(
        today_jst() + dt.timedelta(days=1)
    )
    at.text_area(key=fkey(at, "consult", "summary")).input("面談")
    submit(at, "相談を記録")
    assert not at.exception
    assert _count(session, Consultation) == 0
    assert message_under(at, "consult.company_id") == "必須項目です"
    assert message_under(at, "consult.consulted_on") == "未来の日付は入力できません"
    assert message_under(at, "consult.summary") is None
    assert at.text_area(key=fkey(at, "consult", "summary")).value == "面談"


def test_new_firm_and_consultation_in_one_submit(open_page, session, actors):
    at = open_page(actors.manager01, PAGE)
    at.radio(key="consult.mode").set_value("new").run()
    at.text_input(key=fkey(at, "consult", "company.name")).input("新規精機株式会社")
    at.text_input(key=fkey(at, "consult", "company.corporate_number")).input("7000-0120-50002")
    at.text_area(key=fkey(at, "consult", "summary")).input("初回訪問")
    submit(at, "相談を記録")
    assert not at.exception

    session.expire_all()
    [firm] = session.exec(select(Company)).all()
    [consultation] = session.exec(select(Consultation)).all()
    assert (firm.name, firm.corporate_number, firm.hub_code, firm.prefecture_code) == (
        "新規精機株式会社",
        "7000012050002",
        "01",
        "01",
    )
    assert (consultation.company_id, consultation.summary) == (firm.id, "初回訪問")
    assert at.radio(key="consult.mode").value == "existing"
    assert "企業ページを開く" in link_labels(at)


def test_new_firm_path_is_all_or_nothing(open_page, session, actors):
    at = open_page(actors.manager01, PAGE)
    at.radio(key="consult.mode").set_value("new").run()
    # The firm part is valid; the consultation part is not.
    at.text_input(key=fkey(at, "consult", "company.name")).input("新規精機株式会社")
    at.date_input(key=fkey(at, "consult", "consulted_on")).set_value(
        today_jst() + dt.timedelta(days=3)
    )
    submit(at, "相談を記録")
    assert _count(session, Company) == 0 and _count(session, Consultation) == 0
    assert message_under(at, "consult.consulted_on") == "未来の日付は入力できません"
    assert message_under(at, "consult.summary") == "必須項目です"
    assert message_under(at, "consult.company.name") is None

    # Now the firm part is wrong too: both parts are reported at once.
    at.text_input(key=fkey(at, "consult", "company.name")).input("")
    at.text_input(key=fkey(at, "consult", "company.corporate_number")).input("7000012050003")
    submit(at, "相談を記録")
    assert message_under(at, "consult.company.name") == "必須項目です"
    assert (
        message_under(at, "consult.company.corporate_number")
        == "法人番号のチェックデジットが正しくありません"
    )
    assert message_under(at, "consult.consulted_on") == "未来の日付は入力できません"
    assert _count(session, Company) == 0 and _count(session, Consultation) == 0
    assert _count(session, AuditLog) == len(
        session.exec(select(AuditLog).where(AuditLog.entity == "user_account")).all()
    )


def test_recent_list_shows_exactly_the_hubs_consultations(open_page, session, actors):
    mine = make_company(session, actors.manager01, name="山形精密株式会社")
    theirs = make_company(session, actors.manager02, name="青森林業株式会社")
    make_consultation(session, actors.manager01, mine, on=dt.date(2026, 10, 1), summary="一回目")
    make_consultation(session, actors.manager01, mine, on=dt.date(2026, 11, 2), summary="二回目")
    make_consultation(session, actors.manager02, theirs, summary="他拠点の相談")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    cells = texts(at)
    assert [c for c in cells if c in ("一回目", "二回目", "他拠点の相談")] == ["二回目", "一回目"]
    assert [label for label, _p, params in links(at) if params == {"company": str(mine.id)}] == [
        "山形精密株式会社",
        "山形精密株式会社",
    ]

    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    cells = texts(at)
    assert {"一回目", "二回目", "他拠点の相談"} <= set(cells)
    assert not [b for b in at.button if b.label == "相談を記録"]


def test_typing_in_the_firm_search_narrows_the_picker(open_page, session, actors, monkeypatch):
    import ui.pickers

    monkeypatch.setattr(ui.pickers, "FIRM_CHOICES", 2)
    make_company(session, actors.manager01, name="山形精密株式会社")
    wanted = make_company(session, actors.manager01, name="米沢織物株式会社")
    make_company(session, actors.manager01, name="酒田設計事務所")
    make_company(session, actors.manager02, name="米沢の隣県株式会社")  # another hub
    session.commit()

    at = open_page(actors.manager01, PAGE)
    search = at.text_input(key=fkey(at, "consult", "company_id") + ".query")
    assert search.label == "企業を検索"
    # Three firms, two offered: the page says so instead of sending every firm.
    assert len(at.selectbox(key=fkey(at, "consult", "company_id")).options) == 2
    assert any("3 社のうち 2 社を表示しています（最近更新した企業）" in c.value for c in at.caption)

    search.input("米沢").run()
    picker = at.selectbox(key=fkey(at, "consult", "company_id"))
    assert picker.options == ["米沢織物株式会社"]  # the other hub's firm is not offered

    picker.select(wanted.id)
    at.selectbox(key=fkey(at, "consult", "channel")).select("visit")
    at.text_area(key=fkey(at, "consult", "summary")).input("検索して選んだ企業")
    submit(at, "相談を記録")
    assert not at.exception
    session.expire_all()
    assert [c.company_id for c in session.exec(select(Consultation)).all()] == [wanted.id]

    at.text_input(key=fkey(at, "consult", "company_id") + ".query").input("該当なし").run()
    assert "「該当なし」に一致する企業はありません。" in [c.value for c in at.caption]


def test_a_firm_from_the_address_beyond_the_cap_is_offered_and_counted_apart(
    open_page, session, actors, monkeypatch
):
    import ui.pickers

    monkeypatch.setattr(ui.pickers, "FIRM_CHOICES", 1)
    linked = make_company(session, actors.manager01, name="山形精密株式会社")
    make_company(session, actors.manager01, name="米沢織物株式会社")
    make_company(session, actors.manager01, name="酒田設計事務所")  # changed last: offered
    session.commit()

    at = open_page(actors.manager01, PAGE, query={"company": str(linked.id)})
    picker = at.selectbox(key=fkey(at, "consult", "company_id"))
    assert picker.value == linked.id
    assert picker.options == ["山形精密株式会社", "酒田設計事務所"]
    captions = [c.value for c in at.caption]
    assert any(
        "3 社のうち 1 社を表示しています（最近更新した企業。ほかに選択中の企業）" in c
        for c in captions
    ), captions
