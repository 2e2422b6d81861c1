"""A hub's own Excel ledger on CSV取込 in Chromium (issue 26): the mapping step suggests each
column's field and the values' codes, the firm of each row is matched (法人番号, name and place,
a near-duplicate the manager links by hand), the mapping is saved as a template, the ledger is
written all or nothing, and the next year's ledger is imported with the saved template."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from tests.browser.helpers import choose, go_to, settle, sign_in, success_message
from tests.csvio.ledger_books import BY_NAME, BY_NUMBER, NEAR, SECOND_ROWS, ledger_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE = "山形の相談台帳"


@pytest.fixture(scope="module")
def firms(db_engine, seed):
    """The hub's firms the ledger's rows meet (by name, by 法人番号, a near-duplicate)."""
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.models import Company
    from crm.services import companies, users

    found = {}
    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        for key, data in (("by_name", BY_NAME), ("by_number", BY_NUMBER), ("near", NEAR)):
            stored = s.exec(select(Company).where(Company.name == data["name"])).first()
            found[key] = (stored or companies.create_company(s, actor, dict(data))).id
    return found


def upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    settle(page, timeout=120_000)


def column_box(page: Page, header: str):
    return page.get_by_role("combobox", name=f"「{header}」の取り込む項目", exact=True)


def consultations_of(db_engine, firm_id: int):
    from crm.models import Consultation

    with Session(db_engine) as s:
        return s.exec(
            select(Consultation)
            .where(Consultation.company_id == firm_id)
            .order_by(col(Consultation.consulted_on))
        ).all()


def test_a_ledger_is_mapped_matched_saved_as_a_template_and_imported(
    page: Page, app_server, seed, firms, db_engine
):
    from crm.models import Company

    sign_in(page, app_server, seed.manager)
    go_to(page, "CSV取込")
    upload(page, "相談台帳R3.xlsx", ledger_workbook())
    expect(page.get_by_text("拠点の台帳として読み込みます")).to_be_visible()
    expect(page.get_by_text("見出し 3・4 行目、データ 5 行")).to_be_visible()
    # The suggested mapping: each column's field, from the ledger's own words.
    for header, field in (
        ("会社名", "企業名"),
        ("所在地", "所在地（都道府県・市区町村に分けます）"),
        ("相談日", "相談日"),
        ("相談方法", "相談経路"),
        ("相談内容", "相談内容"),
        ("担当", "相談内容に追記（見出しとともに）"),
        ("法人番号", "法人番号"),
        ("No.", "取り込まない"),
    ):
        expect(column_box(page, header)).to_have_value(field)
    expect(page.get_by_text("取り込まない列: No.")).to_be_visible()
    # The values of the coded column, to their codes.
    expect(page.get_by_role("combobox", name="「訪問」", exact=True)).to_have_value("企業訪問")
    expect(page.get_by_role("combobox", name="「電話」", exact=True)).to_have_value(
        "企業からの問い合わせ"
    )
    # The firms: two of the hub's, two new, one of which probably is one of the hub's.
    expect(page.get_by_text("企業: 既存 2 社に紐付け・新規 2 社（要確認 1 社）")).to_be_visible()
    near = page.get_by_role("radiogroup", name="㈱庄内フーズ（8 行目）")
    link = f"既存の企業に紐付け: 株式会社庄内フーズ（山形県酒田市、企業ID {firms['near']}）"
    near.get_by_text(link, exact=True).click()
    settle(page)
    expect(page.get_by_text("企業: 既存 3 社に紐付け・新規 1 社")).to_be_visible()
    checked = "確認が終わりました（まだ書き込んでいません）: 新規 6 件"
    expect(page.get_by_text(checked)).to_be_visible()
    # Saved as the hub's template.
    page.get_by_text("この対応づけをテンプレートとして保存").click()
    page.get_by_label("テンプレートの名前").fill(TEMPLATE)
    page.get_by_role("button", name="テンプレートとして保存").click()
    settle(page)
    expect(success_message(page, f"テンプレート「{TEMPLATE}」を保存しました")).to_be_visible()
    # Written all or nothing.
    page.get_by_role("button", name="この内容で取り込む").click()
    settle(page, timeout=120_000)
    expect(success_message(page, "取り込みました: 新規 6 件")).to_be_visible()
    rows = consultations_of(db_engine, firms["by_name"])
    assert [(r.consulted_on, r.channel) for r in rows] == [(dt.date(2016, 4, 1), "visit")]
    assert rows[0].summary == "後継者の育成について相談\n担当: 佐藤"
    assert [r.consulted_on for r in consultations_of(db_engine, firms["by_number"])] == [
        dt.date(2021, 5, 10)
    ]
    assert [r.channel for r in consultations_of(db_engine, firms["near"])] == [
        "financial_institution"
    ]
    with Session(db_engine) as s:
        new = s.exec(select(Company).where(Company.name == "㈱新庄テック")).one()
    assert (new.hub_code, new.prefecture_code, new.city) == ("06", "06", "新庄市")
    assert len(consultations_of(db_engine, new.id)) == 2

    # The next year's ledger, with the saved template.
    upload(page, "相談台帳R4.xlsx", ledger_workbook(SECOND_ROWS))
    expect(page.get_by_text("見出し 3・4 行目、データ 2 行")).to_be_visible()
    choose(page, "テンプレート", TEMPLATE, reruns=True)
    expect(column_box(page, "担当")).to_have_value("相談内容に追記（見出しとともに）")
    expect(page.get_by_text("企業: 既存 1 社に紐付け・新規 1 社")).to_be_visible()
    page.get_by_role("button", name="この内容で取り込む").click()
    settle(page, timeout=120_000)
    expect(success_message(page, "取り込みました: 新規 3 件")).to_be_visible()
    dates = [r.consulted_on for r in consultations_of(db_engine, firms["by_name"])]
    assert dates == [dt.date(2016, 4, 1), dt.date(2022, 4, 12)]
