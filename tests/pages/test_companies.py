"""企業 page: search, paging, create and edit (with version conflicts), one page per firm."""

import datetime as dt

from sqlmodel import select

from crm.models import Company, Contact
from crm.presentation.text import literal
from crm.services import companies
from tests.pages.forms import fkey
from tests.pages.hub_helpers import (
    errors,
    frame_with,
    link_labels,
    links,
    message_under,
    submit,
    texts,
)
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

PAGE = "pages/companies.py"


def _company_rows(session):
    session.expire_all()
    return session.exec(select(Company).order_by(Company.id)).all()


def test_search_lists_only_the_hubs_matching_firms(open_page, session, actors):
    target = make_company(
        session,
        actors.manager01,
        name="山形精密株式会社",
        kana="ヤマガタセイミツ",
        corporate_number="7123456789012",
    )
    make_company(session, actors.manager01, name="米沢織物株式会社")
    make_company(session, actors.manager02, name="青森精密株式会社")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    assert link_labels(at) == ["山形精密株式会社", "米沢織物株式会社"]

    for query in ("精密", "ヤマガタ", "７１２３４５６７８９０１２"):
        at.text_input(key="companies.view.q").input(query).run()
        assert link_labels(at) == ["山形精密株式会社"], query
    assert links(at)[0][2] == {"company": str(target.id)}

    at.text_input(key="companies.view.q").input("存在しない会社").run()
    assert link_labels(at) == []
    assert any("該当する企業はありません" in i.value for i in at.info)


def test_results_are_paged(open_page, session, actors):
    for i in range(25):
        make_company(session, actors.manager01, name=f"会社{i:02d}")
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"size": "20"})
    assert link_labels(at) == [f"会社{i:02d}" for i in range(20)]
    assert "全 25 件中 1〜20 件" in [c.value for c in at.caption]
    at.get("pagination")[0].select(2).run()
    assert link_labels(at) == [f"会社{i:02d}" for i in range(20, 25)]
    # A new search starts again at page 1.
    at.text_input(key="companies.view.q").input("会社0").run()
    assert link_labels(at) == [f"会社0{i}" for i in range(10)]


def test_secretariat_reads_every_hub_without_forms(open_page, session, actors):
    make_company(session, actors.manager01, name="一拠点株式会社")
    theirs = make_company(session, actors.manager02, name="二拠点株式会社")
    session.commit()
    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    assert link_labels(at) == ["一拠点株式会社", "二拠点株式会社"]
    assert [b.label for b in at.button if b.label == "企業を登録"] == []
    at.sidebar.multiselect(key="af_hubs").select("02").run()
    assert link_labels(at) == ["二拠点株式会社"]

    at = open_page(actors.secretariat, PAGE, query={"company": str(theirs.id)})
    assert not at.exception
    assert at.title[0].value == "二拠点株式会社"
    assert not [b for b in at.button if b.label in ("変更を保存", "担当者を追加")]


def test_create_company_writes_it_and_opens_it(open_page, session, actors):
    at = open_page(actors.manager01, PAGE)
    at.text_input(key=fkey(at, "company_new", "name")).input("新規精機株式会社")
    at.text_input(key=fkey(at, "company_new", "kana")).input("シンキセイキ")
    at.text_input(key=fkey(at, "company_new", "corporate_number")).input(
        "７１２３４５６７８９０１２"
    )
    at.number_input(key=fkey(at, "company_new", "employees")).set_value(120)
    submit(at, "企業を登録")
    assert not at.exception

    rows = _company_rows(session)
    assert [
        (c.name, c.kana, c.corporate_number, c.prefecture_code, c.employees, c.hub_code)
        for c in rows
    ] == [("新規精機株式会社", "シンキセイキ", "7123456789012", "01", 120, "01")]
    assert at.query_params["company"] == str(rows[0].id)
    assert at.title[0].value == "新規精機株式会社"


def test_invalid_corporate_number_writes_nothing_and_says_why(open_page, session, actors):
    at = open_page(actors.manager01, PAGE)
    at.text_input(key=fkey(at, "company_new", "name")).input("誤り株式会社")
    at.text_input(key=fkey(at, "company_new", "corporate_number")).input("7123456789013")
    at.number_input(key=fkey(at, "company_new", "employees")).set_value(-5)
    submit(at, "企業を登録")
    assert not at.exception
    assert _company_rows(session) == []
    assert (
        message_under(at, "company_new.corporate_number")
        == "法人番号のチェックデジットが正しくありません"
    )
    # The number field holds the declared bounds: a negative count never leaves the browser
    # (the service still refuses one from any other path: tests/pages/test_hostile_input.py).
    employees = at.number_input(key=fkey(at, "company_new", "employees"))
    assert (employees.min, employees.max, employees.value) == (0, 1_000_000, None)
    assert message_under(at, "company_new.employees") is None
    assert message_under(at, "company_new.name") is None
    # What was typed is still there to correct.
    assert at.text_input(key=fkey(at, "company_new", "name")).value == "誤り株式会社"
    assert at.text_input(key=fkey(at, "company_new", "corporate_number")).value == "7123456789013"


def test_deep_link_shows_the_firm_contacts_and_timeline(open_page, session, actors):
    company = make_company(
        session, actors.manager01, name="山形精密株式会社", kana="ヤマガタセイミツ"
    )
    companies.add_contact(
        session,
        actors.manager01,
        company.id,
        {"name": "山田太郎", "title": "代表取締役", "email": "yamada@example.jp"},
    )
    consultation = make_consultation(
        session, actors.manager01, company, on=dt.date(2025, 4, 3), summary="社長と面談"
    )
    need = make_need(
        session, actors.manager01, consultation, role_title="工場長", opened_on=dt.date(2025, 4, 10)
    )
    from crm.services import needs

    partner = make_partner(session, name="みちのく人材")
    needs.refer_need(
        session,
        actors.manager01,
        {"need_id": need.id, "partner_id": partner.id, "referred_on": dt.date(2025, 4, 20)},
    )
    make_placement(session, actors.manager01, need, on=dt.date(2025, 6, 1))
    session.commit()

    at = open_page(actors.manager01, PAGE, query={"company": str(company.id)})
    assert not at.exception
    assert at.title[0].value == "山形精密株式会社"
    assert at.query_params["company"] == str(company.id)  # the shareable address
    assert {m.label: m.value for m in at.metric} == {
        "相談": "1",
        "人材ニーズ": "1",
        "成約": "1",
        "フォローアップ": "1",
    }
    cells = texts(at)
    for expected in (
        "2025/09/01",  # the follow-up: 90 days later is Saturday 08/30
        "2025/06/01",
        "2025/04/20",
        "2025/04/10",
        "2025/04/03",
        "社長と面談",
        "中途採用・1名・成約",
        "工場長・結果待ち",
        "未完了・成約後フォローアップ",
    ):
        assert expected in cells, expected
    # Newest first.
    dates = [c for c in cells if c[:4] == "2025" and len(c) == 10]
    assert dates == sorted(dates, reverse=True)
    onward = {label: params for label, _page, params in links(at)}
    assert onward["人材ニーズ: 工場長"] == {"need": str(need.id)}
    assert onward["紹介: みちのく人材"] == {"need": str(need.id)}
    assert onward["成約（中途採用）"] == {"need": str(need.id)}
    assert onward["フォローアップ"] == {"company": str(company.id)}
    assert onward["この企業の相談を記録"] == {"company": str(company.id)}
    # the contacts tab is not built until it is opened
    assert not [f for f in at.dataframe if "氏名" in f.value.columns]
    at.query_params["tab"] = "担当者"
    at.run()
    contacts = frame_with(at, "氏名")
    assert list(contacts["氏名"]) == ["山田太郎"] and list(contacts["役職"]) == ["代表取締役"]
    assert "社長と面談" not in texts(at)  # and the timeline no longer is


def test_deep_link_to_another_hubs_firm_is_refused(open_page, session, actors):
    theirs = make_company(session, actors.manager02, name="二拠点株式会社")
    session.commit()
    at = open_page(actors.manager01, PAGE, query={"company": str(theirs.id)})
    assert not at.exception
    assert errors(at) == [
        "この記録は他の拠点（青森県）のものです。自拠点の記録だけを閲覧できます。"
    ]
    assert "二拠点株式会社" not in [t.value for t in at.title] + texts(at)

    at = open_page(actors.manager01, PAGE, query={"company": "99999"})
    assert not at.exception
    assert errors(at) == ["企業（ID 99999）は見つかりません。"]

    at = open_page(actors.manager01, PAGE, query={"company": "abc"})
    assert not at.exception
    assert "正しくありません" in at.warning[0].value
    assert at.title[0].value == "企業"


def test_edit_saves_and_a_conflict_keeps_the_users_input(open_page, session, actors):
    company = make_company(session, actors.manager01, name="山形精密株式会社", city="山形市")
    session.commit()
    form = f"company_edit.{company.id}"
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id), "tab": "編集"})
    assert at.text_input(key=fkey(at, form, "city")).value == "山形市"

    # Someone else saves first.
    companies.update_company(
        session,
        actors.manager01,
        company.id,
        {
            "name": "山形精密株式会社",
            "prefecture_code": "01",
            "city": "米沢市",
            "industry": "E",
            "employees": 50,
        },
        company.version,
    )
    session.commit()

    at.text_input(key=fkey(at, form, "name")).input("山形精密工業株式会社")
    at.text_input(key=fkey(at, form, "city")).input("天童市")
    submit(at, "変更を保存")
    assert not at.exception
    session.expire_all()
    assert session.get(Company, company.id).name == "山形精密株式会社"  # nothing written
    assert session.get(Company, company.id).city == "米沢市"
    assert any("他の利用者がこの記録を先に更新しました" in e for e in errors(at))
    [table] = [t.value for t in at.table if "あなたの入力" in t.value.columns]
    assert list(table["項目"]) == ["市区町村"]
    assert list(table["あなたが見た値"]) == ["山形市"]
    assert list(table["現在の値"]) == ["米沢市"]
    assert list(table["あなたの入力"]) == ["天童市"]
    assert at.text_input(key=fkey(at, form, "name")).value == "山形精密工業株式会社"
    assert at.text_input(key=fkey(at, form, "city")).value == "天童市"

    # Having seen the change, saving again overwrites it deliberately.
    submit(at, "変更を保存")
    assert not at.exception
    session.expire_all()
    saved = session.get(Company, company.id)
    assert (saved.name, saved.city, saved.version) == ("山形精密工業株式会社", "天童市", 3)
    assert at.title[0].value == "山形精密工業株式会社"
    assert at.text_input(key=fkey(at, form, "city")).value == "天童市"


def test_reload_discards_typed_input(open_page, session, actors):
    company = make_company(session, actors.manager01, city="山形市")
    session.commit()
    form = f"company_edit.{company.id}"
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id), "tab": "編集"})
    at.text_input(key=fkey(at, form, "city")).input("酒田市")
    [b for b in at.button if b.label == "入力を破棄して最新の内容を読み込む"][0].click().run()
    assert at.text_input(key=fkey(at, form, "city")).value == "山形市"


def test_add_contact_and_refuse_a_bad_email(open_page, session, actors):
    company = make_company(session, actors.manager01)
    session.commit()
    form = f"contact_new.{company.id}"
    at = open_page(actors.manager01, PAGE, query={"company": str(company.id), "tab": "担当者"})
    at.text_input(key=fkey(at, form, "name")).input("佐藤花子")
    at.text_input(key=fkey(at, form, "email")).input("sato-at-example")
    submit(at, "担当者を追加")
    # The reason the sending parser gives (crm.validation.normalize_email), shown literally.
    assert message_under(at, f"{form}.email") == literal(
        "メールアドレスには @ が1つだけ必要です（例: yama@example.jp）"
    )
    assert session.exec(select(Contact)).all() == []

    at.text_input(key=fkey(at, form, "email")).input("sato@example.jp")
    submit(at, "担当者を追加")
    assert not at.exception
    session.expire_all()
    assert [(c.name, c.email, c.hub_code) for c in session.exec(select(Contact))] == [
        ("佐藤花子", "sato@example.jp", "01")
    ]
    assert list(at.dataframe[0].value["氏名"]) == ["佐藤花子"]
    assert at.text_input(key=fkey(at, form, "name")).value == ""
