"""A hub's own Excel ledger (not written by the product) through the one import: its header found
under a title and over merged cells, the mapping suggested from its words, era dates with
full-width digits, firms matched by 法人番号 and by name, a near-duplicate flagged, all or
nothing, the CLI with --map, and a saved template reused on a second file."""

import datetime as dt
import json

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.actor import actor_for
from crm.cli import app
from crm.csvio.ledger_fields import suggest_field, suggest_value
from crm.csvio.ledger_firms import split_address
from crm.csvio.ledger_import import LedgerSource, NotALedger, import_ledger, preview_mapping
from crm.csvio.ledger_mapping import LedgerMapping, MappingError
from crm.csvio.ledger_templates import (
    delete_template,
    get_template,
    list_templates,
    save_template,
)
from crm.db import make_engine, upgrade
from crm.errors import NotFound, PermissionDenied
from crm.models import AuditLog, Company, Consultation, ImportTemplate
from crm.services import companies, users
from tests.csvio.ledger_books import (
    BY_NAME,
    BY_NUMBER,
    NEAR,
    ROWS,
    SECOND_ROWS,
    ledger_workbook,
)
from tests.utils.factories import make_actors

runner = CliRunner()
NAME = "相談台帳R3.xlsx"
EXPECTED_COLUMNS = {
    "No.": "",
    "法人番号": "corporate_number",
    "会社名": "name",
    "所在地": "address",
    "相談日": "consulted_on",
    "相談方法": "channel",
    "相談内容": "summary",
    "担当": "summary_note",
}


def count(session, model, *where) -> int:
    session.expire_all()
    statement = select(func.count()).select_from(model)
    for condition in where:
        statement = statement.where(condition)
    return session.exec(statement).one()


def _manager06(session):
    from crm.actor import SYSTEM

    user = users.create_user(
        session,
        SYSTEM,
        username="manager06",
        role="hub_manager",
        hub_code="06",
        display_name="山形 マネージャー",
    )
    return actor_for(user)


def _existing_firms(session, actor) -> dict[str, Company]:
    return {
        "by_name": companies.create_company(session, actor, dict(BY_NAME)),
        "by_number": companies.create_company(session, actor, dict(BY_NUMBER)),
        "near": companies.create_company(session, actor, dict(NEAR)),
    }


@pytest.fixture
def hub06(session):
    actors = make_actors(session)
    manager = _manager06(session)
    firms = _existing_firms(session, manager)
    session.commit()
    return manager, firms, actors


def _suggested(session, actor, data=None):
    source = LedgerSource.read(data or ledger_workbook(), NAME)
    table, mapping = preview_mapping(session, actor, source)
    return source, table, mapping


# --- the pieces ---


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("会社名", "name"),
        ("企業名", "name"),
        ("事業者名", "name"),
        ("所在地", "address"),
        ("住所", "address"),
        ("相談日", "consulted_on"),
        ("日付", "consulted_on"),
        ("相談日（訪問日）", "consulted_on"),
        ("内容", "summary"),
        ("相談内容", "summary"),
        ("概要", "summary"),
        ("担当", "summary_note"),
        ("担当者", "summary_note"),
        ("法人番号", "corporate_number"),
        ("業種", "industry"),
        ("電話", "notes"),
        ("経営姿勢", "stance"),  # the product's own term
        ("No.", None),
        ("令和３年度　相談記録台帳", None),
    ],
)
def test_a_header_suggests_its_field(header, field):
    assert suggest_field(header) == field


def test_for_a_firms_ledger_the_staff_goes_to_the_firms_notes():
    assert suggest_field("担当", "companies") == "notes"
    assert suggest_field("相談日", "companies") is None


@pytest.mark.parametrize(
    ("key", "text", "code"),
    [
        ("channel", "訪問", "visit"),
        ("channel", "企業訪問", "visit"),  # the label
        ("channel", "電話", "inbound"),
        ("channel", "信用金庫から紹介", "financial_institution"),
        ("channel", "ｾﾐﾅｰ", "seminar"),  # half-width kana
        ("industry", "製造業", "E"),
        ("industry", "小売", "I"),
        ("industry", "e", "E"),
        ("prefecture_code", "山形", "06"),
        ("channel", "よく分からない", None),
    ],
)
def test_a_value_suggests_its_code(key, text, code):
    assert suggest_value(key, text) == code


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("山形県山形市旅篭町２－３－２５", ("06", "山形市")),
        ("米沢市金池3-1-39", (None, "米沢市")),
        ("宮城県仙台市青葉区本町3-8-1", ("04", "仙台市青葉区")),
        ("山形県東村山郡山辺町大字山辺", ("06", "東村山郡山辺町")),
        ("三重県四日市市諏訪町1-5", ("24", "四日市市")),
        ("東京都千代田区霞が関1-3-1", ("13", "千代田区")),
        ("", (None, None)),
    ],
)
def test_an_address_splits_into_prefecture_and_city(address, expected):
    assert split_address(address) == expected


def test_the_header_is_found_under_the_title_and_over_merged_cells(hub06, session):
    manager, _, _ = hub06
    source, table, mapping = _suggested(session, manager)
    assert not source.is_product_layout()
    assert table.header_rows == [3, 4]  # 「企業」 over 会社名・所在地, the rest merged over both
    assert table.headers == list(EXPECTED_COLUMNS)
    assert [number for number, _ in table.rows] == [5, 6, 7, 8, 9]
    assert mapping.columns == EXPECTED_COLUMNS
    assert mapping.ignored(table) == ["No."]
    assert mapping.values["channel"] == {
        "訪問": "visit",
        "電話": "inbound",
        "セミナー": "seminar",
        "金融機関": "financial_institution",
    }


def test_a_csv_in_shift_jis_with_a_title_line_is_read_the_same(hub06, session):
    manager, _, _ = hub06
    lines = ["相談記録（拠点用）,,,", "", "事業者名,住所,日付,概要"]
    lines += ["㈱新庄テック,山形県新庄市沖の町10-37,Ｒ３．５．１０,DX人材の確保"]
    data = ("\r\n".join(lines) + "\r\n").encode("cp932")
    source, table, mapping = _suggested(session, manager, data)
    assert table.encoding == "cp932" and table.header_rows == [3]
    assert mapping.columns == {
        "事業者名": "name",
        "住所": "address",
        "日付": "consulted_on",
        "概要": "summary",
    }
    assert mapping.defaults == {"channel": "other"}  # no column: shown for the person to change


def test_a_file_without_a_header_is_refused_with_the_reason(hub06, session):
    manager, _, _ = hub06
    data = "メモ\r\nただの文章です\r\n".encode()
    with pytest.raises(NotALedger, match="見出し"):
        _suggested(session, manager, data)


def test_the_products_own_export_is_not_a_ledger():
    data = "企業ID,企業名,相談日,相談経路,相談内容\r\n1,山形精機,2021-05-10,企業訪問,相談\r\n"
    assert LedgerSource.read(data.encode(), "consultations.csv").is_product_layout()


# --- the import ---


def test_the_preview_says_what_happens_to_each_rows_firm(hub06, session):
    manager, firms, _ = hub06
    source, _, mapping = _suggested(session, manager)
    before = (count(session, Company), count(session, Consultation))
    result = import_ledger(session, manager, source, mapping, dry_run=True, preview_rows=5)
    assert result.report.errors.total == 0, list(result.report.errors)
    assert (count(session, Company), count(session, Consultation)) == before
    shown = {row["行"]: row for row in result.firm_rows()}
    assert shown[5]["取込での扱い"] == (
        f"既存の企業に紐付け（株式会社山形精機、企業ID {firms['by_name'].id}）"
    )
    assert shown[5]["理由"] == "企業名と所在地が一致"
    assert shown[6]["取込での扱い"].startswith("既存の企業に紐付け（米沢織物株式会社")
    assert shown[6]["理由"] == "法人番号が一致"  # full-width digits in the ledger
    assert shown[7]["取込での扱い"] == shown[9]["取込での扱い"] == "新しい企業として登録"
    assert shown[8]["取込での扱い"] == "新しい企業として登録"
    assert shown[8]["確認"] == "要確認"
    assert f"株式会社庄内フーズ（山形県酒田市、企業ID {firms['near'].id}）" in shown[8]["理由"]
    assert [row["確認"] for row in shown.values()] == ["", "", "", "要確認", ""]
    totals = result.report.totals()
    assert (
        totals["create"] == 2 + 5
    )  # two new firms (新庄テック once for two rows), five consultations
    assert any(
        w.row == 8 and w.column == "会社名" and "庄内フーズ" in w.reason
        for w in result.report.warnings
    )


def test_the_ledger_is_written_as_typed_with_its_dates_and_firms(hub06, session):
    manager, firms, _ = hub06
    source, _, mapping = _suggested(session, manager)
    result = import_ledger(session, manager, source, mapping, dry_run=False)
    assert result.report.written, list(result.report.errors)
    session.commit()
    new = {
        c.name: c
        for c in session.exec(
            select(Company).where(Company.id.not_in([f.id for f in firms.values()]))
        ).all()
    }
    assert set(new) == {"㈱新庄テック", "㈱庄内フーズ"}  # ㈱ kept as typed
    assert (new["㈱新庄テック"].prefecture_code, new["㈱新庄テック"].city) == ("06", "新庄市")
    assert new["㈱庄内フーズ"].city == "鶴岡市"
    rows = session.exec(select(Consultation).order_by(Consultation.id)).all()
    assert [(r.company_id, r.consulted_on, r.channel) for r in rows] == [
        (firms["by_name"].id, dt.date(2016, 4, 1), "visit"),  # Ｈ２８．４．１
        (firms["by_number"].id, dt.date(2021, 5, 10), "inbound"),  # R3.5.10
        (new["㈱新庄テック"].id, dt.date(2021, 5, 10), "seminar"),  # 令和3年5月10日
        (new["㈱庄内フーズ"].id, dt.date(2021, 6, 1), "financial_institution"),
        (new["㈱新庄テック"].id, dt.date(2021, 7, 15), "visit"),
    ]
    assert rows[0].summary == "後継者の育成について相談\n担当: 佐藤"
    assert rows[0].hub_code == "06"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "import")).one()
    assert entry.hub_code == "06" and entry.entity == "bundle"
    # The same ledger again creates nothing: its firms are now the hub's, its rows stored.
    again = import_ledger(
        session, manager, LedgerSource.read(ledger_workbook(), NAME), mapping, dry_run=True
    )
    assert again.report.totals()["create"] == 0
    assert again.report.totals()["unchanged"] == 5


def test_a_chosen_firm_links_the_near_duplicate(hub06, session):
    manager, firms, _ = hub06
    source, _, mapping = _suggested(session, manager)
    preview = import_ledger(session, manager, source, mapping, dry_run=True)
    near = next(f for f in preview.plan.firms if f.flagged)
    result = import_ledger(
        session, manager, source, mapping, dry_run=False, choices={near.key: firms["near"].id}
    )
    assert result.report.written
    assert not any(f.flagged for f in result.plan.firms)
    assert count(session, Consultation, Consultation.company_id == firms["near"].id) == 1
    assert count(session, Company) == 4  # only 新庄テック is new


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(hub06, session):
    manager, _, _ = hub06
    rows = [list(r) for r in ROWS]
    rows[2][4] = "R3.13.40"  # row 7: no such date
    rows[3][6] = None  # row 8: no summary, but its 担当 …
    rows[3][7] = None  # … nor its staff: nothing for 相談内容
    source, _, mapping = _suggested(session, manager, ledger_workbook(rows))
    before = (count(session, Company), count(session, Consultation), count(session, AuditLog))
    result = import_ledger(session, manager, source, mapping, dry_run=False)
    assert not result.report.written
    problems = {(e.row, e.column) for e in result.report.errors}
    assert (7, "相談日") in problems
    assert (8, "相談内容") in problems
    assert all(e.file == f"{NAME}[相談台帳]" for e in result.report.errors)
    assert (
        count(session, Company),
        count(session, Consultation),
        count(session, AuditLog),
    ) == before


def test_a_refused_new_firm_is_named_on_its_consultations(hub06, session):
    manager, _, _ = hub06
    rows = [list(r) for r in ROWS]
    rows[2][1] = "1234567890123"  # row 7: 新庄テック with a wrong 法人番号
    rows[4][1] = "1234567890123"  # row 9 is the same firm
    source, _, mapping = _suggested(session, manager, ledger_workbook(rows))
    result = import_ledger(session, manager, source, mapping, dry_run=True)
    reasons = {(e.row, e.column): e.reason for e in result.report.errors}
    assert "法人番号" in reasons[(7, "法人番号")]
    assert reasons[(9, "会社名")] == "企業「㈱新庄テック」（7 行目）に誤りがあるため取り込めません"
    assert not any("2147483" in e.reason for e in result.report.errors)


def test_a_mapping_without_a_required_field_is_refused_naming_it(hub06, session):
    manager, _, _ = hub06
    source, table, mapping = _suggested(session, manager)
    mapping.columns["相談内容"] = ""
    mapping.columns["担当"] = ""
    mapping.columns["相談方法"] = "consulted_on"
    with pytest.raises(MappingError) as refused:
        import_ledger(session, manager, source, mapping, dry_run=True)
    reasons = " ".join(refused.value.reasons)
    assert "「相談内容」に当たる列" in reasons
    assert "列「相談日」「相談方法」が同じ項目「相談日」" in reasons


def test_a_firms_ledger_creates_only_the_new_firms(hub06, session):
    manager, _, _ = hub06
    source = LedgerSource.read(ledger_workbook(), NAME)
    table, mapping = preview_mapping(session, manager, source, "companies")
    assert mapping.columns["担当"] == "notes" and mapping.columns["相談日"] == ""
    result = import_ledger(session, manager, source, mapping, dry_run=False)
    assert result.report.written, list(result.report.errors)
    assert result.report.totals()["create"] == 2
    firm = session.exec(select(Company).where(Company.name == "㈱新庄テック")).one()
    assert firm.notes == "担当: 佐藤"


def test_only_the_hubs_manager_imports_a_ledger(hub06, session):
    manager, _, actors = hub06
    source = LedgerSource.read(ledger_workbook(), NAME)
    mapping = LedgerMapping.from_dict({"columns": EXPECTED_COLUMNS})
    for other in (actors.secretariat, actors.manager01):
        with pytest.raises(PermissionDenied):
            import_ledger(session, other, source, mapping, hub="06", dry_run=True)
    with pytest.raises(PermissionDenied):
        preview_mapping(session, actors.secretariat, source, hub="06")


# --- templates ---


def test_a_saved_template_maps_the_next_years_ledger(hub06, session):
    manager, firms, actors = hub06
    source, _, mapping = _suggested(session, manager)
    mapping.values["channel"]["問合せ"] = "inbound"
    save_template(session, manager, "相談台帳（令和）", mapping)
    session.commit()
    # Stored as names are (NFKC: full-width brackets half-width); found by either spelling.
    assert [t.name for t in list_templates(session, manager)] == ["相談台帳(令和)"]
    assert count(session, AuditLog, AuditLog.entity == "import_template") == 1
    second = LedgerSource.read(ledger_workbook(SECOND_ROWS), "相談台帳R4.xlsx")
    template = get_template(session, manager, "相談台帳（令和）")
    table, suggested = preview_mapping(session, manager, second, base=template)
    assert suggested.columns == EXPECTED_COLUMNS
    result = import_ledger(session, manager, second, template, dry_run=False)
    assert result.report.written, list(result.report.errors)
    rows = session.exec(select(Consultation).order_by(Consultation.id)).all()
    assert [(r.company_id, r.consulted_on, r.channel) for r in rows][0] == (
        firms["by_name"].id,
        dt.date(2022, 4, 12),
        "visit",
    )
    assert rows[1].channel == "inbound"  # 問合せ, mapped in the template
    # Another hub neither sees nor uses it; the secretariat has no templates.
    assert list_templates(session, actors.manager01) == []
    with pytest.raises(NotFound):
        get_template(session, actors.manager01, "相談台帳（令和）")
    with pytest.raises(PermissionDenied):
        list_templates(session, actors.secretariat)
    with pytest.raises(PermissionDenied):
        save_template(session, actors.manager01, "x", mapping, hub="06")
    delete_template(session, manager, "相談台帳（令和）")
    assert count(session, ImportTemplate) == 0


# --- the command line ---


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        make_actors(session)
        manager = _manager06(session)
        firms = _existing_firms(session, manager)
        session.commit()
    yield engine, firms
    engine.dispose()


def test_the_command_line_imports_a_ledger_with_a_map_file_and_saves_it(cli_db, tmp_path):
    engine, firms = cli_db
    ledger = tmp_path / NAME
    ledger.write_bytes(ledger_workbook())
    mapping = tmp_path / "台帳.toml"
    mapping.write_text(
        'entity = "consultations"\n'
        "[columns]\n"
        + "".join(f'"{h}" = "{k}"\n' for h, k in EXPECTED_COLUMNS.items())
        + '[values.channel]\n"電話" = "inbound"\n"金融機関" = "financial_institution"\n',
        encoding="utf-8",
    )
    args = ["import", "consultations", str(ledger), "--hub", "06", "--map", str(mapping)]
    checked = runner.invoke(app, [*args, "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert "見出し 3・4 行目、データ 5 行" in checked.output
    assert "企業 ㈱庄内フーズ（8 行目）: 新しい企業として登録（要確認）" in checked.output
    assert "企業: 既存 2 社に紐付け・新規 2 社" in checked.output
    assert "取り込まない列: No." in checked.output
    written = runner.invoke(app, [*args, "--save-template", "相談台帳"])
    assert written.exit_code == 0, written.output
    assert "テンプレート「相談台帳」として保存しました" in written.output
    with Session(engine) as session:
        assert count(session, Consultation) == 5
        stored = session.exec(select(ImportTemplate)).one()
        assert (stored.hub_code, stored.name) == ("06", "相談台帳")
        assert json.loads(stored.mapping)["columns"] == EXPECTED_COLUMNS
    second = tmp_path / "相談台帳R4.csv"
    second.write_bytes(
        (
            "会社名,所在地,相談日,相談方法,相談内容,担当\r\n"
            "株式会社山形精機,山形県山形市旅篭町2-3-25,R4.4.12,訪問,採用後のフォロー,佐藤\r\n"
        ).encode("cp932")
    )
    again = runner.invoke(
        app, ["import", "consultations", str(second), "--hub", "06", "--template", "相談台帳"]
    )
    assert again.exit_code == 0, again.output
    with Session(engine) as session:
        assert count(session, Consultation, Consultation.company_id == firms["by_name"].id) == 2


def test_the_command_line_refuses_a_bad_row_and_writes_nothing(cli_db, tmp_path):
    engine, _ = cli_db
    rows = [list(r) for r in ROWS]
    rows[1][4] = "令和3年2月30日"
    ledger = tmp_path / NAME
    ledger.write_bytes(ledger_workbook(rows))
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"columns": EXPECTED_COLUMNS}, ensure_ascii=False))
    result = runner.invoke(
        app, ["import", "consultations", str(ledger), "--hub", "06", "--map", str(mapping)]
    )
    assert result.exit_code == 1
    assert "6 行目「相談日」: 存在しない日付です" in result.output
    assert "何も書き込んでいません" in result.output
    with Session(engine) as session:
        assert count(session, Consultation) == 0
        assert count(session, Company) == 3


def test_the_command_line_names_a_missing_template(cli_db, tmp_path):
    ledger = tmp_path / NAME
    ledger.write_bytes(ledger_workbook())
    result = runner.invoke(
        app, ["import", "consultations", str(ledger), "--hub", "06", "--template", "ない"]
    )
    assert result.exit_code == 1
    assert "取込のテンプレート「ない」はありません" in result.output
    assert "Traceback" not in result.output
