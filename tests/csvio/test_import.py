"""CSV import: detection, validation of every row, all-or-nothing, matching, scope, audit."""

import datetime as dt
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm.actor import SYSTEM
from crm.csvio.export import full_export
from crm.csvio.importer import import_files
from crm.errors import CrmError, PermissionDenied
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    DataVersion,
    FollowUp,
    NeedStatusChange,
    Placement,
    TalentNeed,
)
from crm.services import companies
from tests.csvio.helpers import csv_bytes, file_of
from tests.utils.factories import make_company, make_consultation, make_need

D = dt.date
BOM = b"\xef\xbb\xbf"


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def snapshot(session) -> dict:
    return {
        model.__name__: count(session, model)
        for model in (
            Company,
            Consultation,
            TalentNeed,
            Placement,
            FollowUp,
            AuditLog,
            NeedStatusChange,
        )
    } | {"data_version": session.exec(select(func.sum(DataVersion.version))).one()}


def run(session, actor, name, data, **kwargs):
    kwargs.setdefault("dry_run", False)
    return import_files(session, actor, [(name, data)], **kwargs)


COMPANIES = [
    "企業名,法人番号,都道府県コード,業種,従業員数,資本金（円）",
    '山形精密株式会社,7000012050002,06,E,120,"10,000,000"',
    "米沢織物株式会社,,06,製造業,35,",
]


def test_companies_are_created_and_a_reimport_creates_no_duplicates(session, actors):
    data = csv_bytes(COMPANIES)
    first = run(session, actors.manager01, "companies.csv", data)
    assert first.ok, first.errors
    assert first.files[0].counts == {"create": 2}
    session.commit()
    stored = session.exec(select(Company).order_by(Company.id)).all()
    assert [
        (c.name, c.corporate_number, c.hub_code, c.industry, c.employees, c.capital_jpy)
        for c in stored
    ] == [
        ("山形精密株式会社", "7000012050002", "01", "E", 120, 10_000_000),
        ("米沢織物株式会社", None, "01", "E", 35, None),
    ]
    # Again, with ids as an export carries them: nothing new, nothing changed.
    exported = full_export(session, actors.manager01)
    again = run(session, actors.manager01, "companies.csv", file_of(exported, "companies.csv").data)
    assert again.ok and again.files[0].counts == {"unchanged": 2}
    # The hand-made file again: the firm with a corporate number is matched by it.
    third = run(session, actors.manager01, "companies.csv", csv_bytes(COMPANIES[:2]))
    assert third.files[0].counts == {"unchanged": 1}
    session.commit()
    assert count(session, Company) == 2


def test_a_reimport_of_rows_without_ids_recognises_identical_rows(session, actors):
    m = actors.manager01
    need = make_need(
        session,
        m,
        make_consultation(session, m, make_company(session, m), on=D(2025, 4, 1)),
        headcount=3,
    )
    session.commit()
    # Two hires on the same day with the same bands are two placements, not one.
    data = csv_bytes(
        ["ニーズID,成約日,年齢層", f"{need.id},2025-05-01,40代", f"{need.id},2025-05-01,40代"]
    )
    assert run(session, m, "placements.csv", data).files[0].counts == {"create": 2}
    session.commit()
    again = run(session, m, "placements.csv", data)
    assert again.files[0].counts == {"unchanged": 2}
    three = run(session, m, "placements.csv", data + f"{need.id},2025-05-01,40代\r\n".encode())
    assert three.files[0].counts == {"unchanged": 2, "create": 1}
    session.commit()
    assert count(session, Placement) == 3


def test_dry_run_validates_and_writes_nothing(session, actors):
    before = snapshot(session)
    report = run(session, actors.manager01, "companies.csv", csv_bytes(COMPANIES), dry_run=True)
    session.commit()
    assert report.ok and not report.written
    assert report.files[0].counts == {"create": 2}
    assert snapshot(session) == before


def test_five_different_errors_are_all_reported_with_rows_and_nothing_is_written(session, actors):
    firm = make_company(session, actors.manager01)
    session.commit()
    before = snapshot(session)
    data = csv_bytes(
        [
            "企業ID,相談日,相談経路,相談内容",
            f"{firm.id},2026-04-01,企業訪問,正しい行",
            f"{firm.id},2026-04-02,企業訪問,",  # 3: summary missing
            f"{firm.id},2026/2/30,セミナー,存在しない日付",  # 4: no such date
            f"{firm.id},2026-04-03,電話,経路が選択肢にない",  # 5: unknown code
            "99999,2026-04-04,企業訪問,存在しない企業",  # 6: reference to nothing
            f"{firm.id},2099-01-01,企業訪問,未来の日付",  # 7: future date
            f"{firm.id},R8.4.5,企業訪問,正しい行（和暦）",
        ]
    )
    report = run(session, actors.manager01, "consultations.csv", data)
    assert not report.ok and not report.written
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "相談内容"),
        (4, "相談日"),
        (5, "相談経路"),
        (6, "企業ID"),
        (7, "相談日"),
    ]
    reasons = [e.reason for e in report.errors]
    assert reasons[0] == "必須項目です"
    assert "存在しない日付です" in reasons[1]
    assert "選択肢にない値です: 電話" in reasons[2]
    assert "企業ID 99999 は登録されていません" in reasons[3]
    assert reasons[4] == "未来の日付は入力できません"
    session.commit()
    assert snapshot(session) == before


def test_five_different_company_errors(session, actors):
    make_company(session, actors.manager02, corporate_number="7123456789012")
    session.commit()
    before = snapshot(session)
    data = csv_bytes(
        [
            "企業名,法人番号,都道府県コード,業種,従業員数",
            ",,01,E,10",  # 2: name missing
            "チェックデジット違い,7000012050003,01,E,10",  # 3
            "県コード違い,,99,E,10",  # 4
            "人数が文字,,01,E,十人",  # 5
            "他拠点の法人番号,7123456789012,01,E,10",  # 6
        ]
    )
    report = run(session, actors.manager01, "companies.csv", data)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "企業名"),
        (3, "法人番号"),
        (4, "都道府県コード"),
        (5, "従業員数"),
        (6, "法人番号"),
    ]
    assert "チェックデジット" in report.errors[1].reason
    assert "他の拠点の企業" in report.errors[4].reason
    session.commit()
    assert snapshot(session) == before


def test_full_width_digits_era_dates_and_cp932_are_accepted(session, actors):
    firm = make_company(session, actors.manager01)
    session.commit()
    data = csv_bytes(
        [
            "企業ID,相談日,相談経路,相談内容,次回予定日",
            f"{firm.id},令和6年4月1日,企業訪問,和暦,",
            f"{firm.id},R6.5.1,セミナー,略号の和暦,",
            f"{firm.id},H28.4.1,visit,平成,",
            f"{str(firm.id).translate(str.maketrans('0123456789', '０１２３４５６７８９'))},"
            "２０２４／６／１,企業訪問,全角　数字,令和元年５月１日",
        ],
        encoding="cp932",
    )
    report = run(session, actors.manager01, "相談.csv", data, entity="consultations")
    assert report.ok, report.errors
    assert (report.files[0].encoding, report.files[0].language) == ("cp932", "ja")
    session.commit()
    rows = session.exec(select(Consultation).order_by(Consultation.id)).all()
    assert [(c.consulted_on, c.channel, c.summary, c.next_action_on) for c in rows] == [
        (D(2024, 4, 1), "visit", "和暦", None),
        (D(2024, 5, 1), "seminar", "略号の和暦", None),
        (D(2016, 4, 1), "visit", "平成", None),
        (D(2024, 6, 1), "visit", "全角　数字", D(2019, 5, 1)),  # text as typed
    ]
    assert {c.logged_by for c in rows} == {actors.manager01.user_id}


def test_english_headers_and_utf8_without_bom(session, actors):
    firm = make_company(session, actors.manager01)
    session.commit()
    data = (
        "id,company_id,consulted_on,channel,summary\n"
        f",{firm.id},2025-01-10,inbound,English headers\n"
    ).encode()
    report = run(session, actors.manager01, "upload.csv", data)
    assert report.ok, report.errors
    assert (report.files[0].entity, report.files[0].encoding, report.files[0].language) == (
        "consultations",
        "utf-8",
        "en",
    )


def test_an_exported_row_edited_in_excel_updates_the_record(session, actors):
    firm = make_company(
        session, actors.manager01, name="旧社名株式会社", city="山形市", notes="メモ"
    )
    session.commit()
    exported = file_of(full_export(session, actors.manager01), "companies.csv").data
    edited = exported.replace("旧社名株式会社".encode(), "新社名株式会社".encode())
    # The city column is left out entirely: the stored city must survive the update.
    lines = edited.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(",")
    city = header.index("市区町村")
    trimmed = [
        ",".join(c for i, c in enumerate(line.split(",")) if i != city) for line in lines if line
    ]
    report = run(session, actors.manager01, "companies.csv", csv_bytes(trimmed))
    assert report.ok, report.errors
    assert report.files[0].counts == {"update": 1}
    session.commit()
    session.refresh(firm)
    assert (firm.name, firm.city, firm.notes, firm.version) == (
        "新社名株式会社",
        "山形市",
        "メモ",
        2,
    )


def test_a_row_changed_by_someone_else_since_the_export_is_refused(session, actors):
    firm = make_company(session, actors.manager01, name="元の名前")
    session.commit()
    exported = file_of(full_export(session, actors.manager01), "companies.csv").data
    companies.update_company(
        session,
        actors.manager01,
        firm.id,
        {"name": "他の人が変更", "prefecture_code": "01"},
        firm.version,
    )
    session.commit()
    report = run(
        session,
        actors.manager01,
        "companies.csv",
        exported.replace("元の名前".encode(), "私の変更".encode()),
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "版")]
    assert "出力後に更新" in report.errors[0].reason


def test_references_may_point_at_rows_of_the_same_import(session, actors):
    """The ids of new rows are keys of the bundle: the database gives the records their ids
    and the references follow. An id no other file refers to is refused (701)."""
    files = [
        ("companies.csv", csv_bytes(["企業ID,企業名,都道府県コード", "501,新しい会社,01"])),
        (
            "consultations.csv",
            csv_bytes(
                ["相談ID,企業ID,相談日,相談経路,相談内容", "601,501,2025-02-03,企業訪問,初回"]
            ),
        ),
        (
            "needs.csv",
            csv_bytes(
                [
                    "ニーズID,企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日",
                    "701,501,601,経営人材,中途採用,工場長,2025-02-10",
                ]
            ),
        ),
    ]
    refused = import_files(session, actors.manager01, list(reversed(files)), dry_run=True)
    assert [(e.file, e.row, e.column) for e in refused.errors] == [("needs.csv", 2, "ニーズID")]
    assert "新しい行はIDを空欄に" in refused.errors[0].reason
    files[2] = (files[2][0], files[2][1].replace(b"\r\n701,", b"\r\n,"))
    report = import_files(session, actors.manager01, list(reversed(files)), dry_run=False)
    assert report.ok, report.errors
    session.commit()
    need = session.exec(select(TalentNeed)).one()
    firm = session.exec(select(Company)).one()
    consultation = session.exec(select(Consultation)).one()
    assert (firm.name, consultation.summary) == ("新しい会社", "初回")
    assert (need.company_id, need.consultation_id, need.status) == (
        firm.id,
        consultation.id,
        "open",
    )
    assert consultation.company_id == firm.id
    assert (firm.id, consultation.id) != (501, 601)  # the database's ids, not the file's
    assert [s.to_status for s in session.exec(select(NeedStatusChange)).all()] == ["open"]


def test_needs_check_the_consultation_belongs_to_the_firm_and_precedes_the_need(session, actors):
    m = actors.manager01
    firm, other = make_company(session, m), make_company(session, m)
    consultation = make_consultation(session, m, firm, on=D(2025, 3, 1))
    session.commit()
    data = csv_bytes(
        [
            "企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日",
            f"{other.id},{consultation.id},経営人材,中途採用,部長,2025-03-05",
            f"{firm.id},{consultation.id},経営人材,中途採用,部長,2025-02-01",
            f"{firm.id},{consultation.id},存在しない区分,中途採用,部長,2025-03-05",
        ]
    )
    report = run(session, m, "needs.csv", data)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "相談ID"),
        (3, "受付日"),
        (4, "人材区分"),
    ]


def test_a_placement_fills_its_need_and_schedules_a_follow_up(session, actors):
    m = actors.manager01
    need = make_need(
        session, m, make_consultation(session, m, make_company(session, m), on=D(2025, 4, 1))
    )
    session.commit()
    data = csv_bytes(["ニーズID,成約日,年齢層,前居住地", f"{need.id},2025/5/1,40代,東京圏"])
    report = run(session, m, "placements.csv", data)
    assert report.ok, report.errors
    session.commit()
    session.refresh(need)
    placement = session.exec(select(Placement)).one()
    assert (placement.engagement, placement.company_id) == (need.engagement, need.company_id)
    assert need.status == "placed"
    follow_up = session.exec(select(FollowUp)).one()
    assert (follow_up.placement_id, follow_up.due_on) == (placement.id, D(2025, 7, 30))


def test_a_hub_manager_imports_only_into_their_own_hub(session, actors):
    firm02 = make_company(session, actors.manager02)
    session.commit()
    with pytest.raises(PermissionDenied):
        run(session, actors.manager01, "companies.csv", csv_bytes(COMPANIES), hub="02")
    with pytest.raises(PermissionDenied, match="全国事務局"):
        run(session, actors.secretariat, "companies.csv", csv_bytes(COMPANIES), hub="01")
    with pytest.raises(CrmError, match="拠点を指定"):
        run(session, SYSTEM, "companies.csv", csv_bytes(COMPANIES))
    report = run(
        session,
        actors.manager01,
        "x.csv",
        csv_bytes(
            [
                "拠点コード,企業ID,相談日,相談経路,相談内容",
                f"2,{firm02.id},2025-01-01,企業訪問,他拠点の行",
            ]
        ),
        entity="consultations",
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "拠点コード"), (2, "企業ID")]
    assert "他の拠点の企業" in report.errors[1].reason


def test_an_id_of_another_hubs_record_is_refused(session, actors):
    firm02 = make_company(session, actors.manager02, name="二拠点の会社")
    session.commit()
    data = csv_bytes(["企業ID,企業名,都道府県コード", f"{firm02.id},乗っ取り,01"])
    report = run(session, actors.manager01, "companies.csv", data)
    assert [(e.row, e.column) for e in report.errors] == [(2, "企業ID")]
    session.refresh(firm02)
    assert firm02.name == "二拠点の会社"


def test_an_import_is_audited_once_with_counts_and_bumps_the_data_version(session, actors):
    before = session.get(DataVersion, "01").version
    report = run(session, actors.manager01, "companies.csv", csv_bytes(COMPANIES))
    session.commit()
    assert report.written
    entries = session.exec(select(AuditLog).where(AuditLog.action == "import")).all()
    assert len(entries) == 1
    detail = json.loads(entries[0].detail)
    assert (entries[0].username, entries[0].hub_code) == ("manager01", "01")
    assert detail["files"][0]["name"] == "companies.csv" and detail["files"][0]["create"] == 2
    assert "山形精密" not in entries[0].detail  # counts, never file contents
    session.expire_all()
    assert session.get(DataVersion, "01").version == before + 1


def test_missing_required_columns_and_unknown_columns(session, actors):
    data = csv_bytes(["企業名,謎の列", "株式会社あ,x"])
    report = run(session, actors.manager01, "companies.csv", data)
    assert [(e.row, e.column) for e in report.errors] == [(1, "都道府県コード")]
    assert report.files[0].ignored_columns == ["謎の列"]


def test_duplicate_corporate_numbers_within_a_file(session, actors):
    data = csv_bytes(
        ["企業名,法人番号,都道府県コード", "あ,7000012050002,01", "い,7000-0120-50002,01"]
    )
    report = run(session, actors.manager01, "companies.csv", data)
    assert [(e.row, e.column) for e in report.errors] == [(3, "法人番号")]
    assert "2 行目と重複" in report.errors[0].reason


def test_formula_guards_of_an_export_are_removed_on_import(session, actors):
    firm = make_company(session, actors.manager01, name="=1+2株式会社", notes="'そのまま")
    session.commit()
    exported = file_of(full_export(session, actors.manager01), "companies.csv").data
    assert b"'=1+2" in exported and b"''\xe3" in exported  # guarded, apostrophe doubled
    firm.name, firm.notes = "変更済み", "変更済み"  # behind the services' back: same version
    session.commit()
    report = run(session, actors.manager01, "companies.csv", exported)
    assert report.ok and report.files[0].counts == {"update": 1}
    session.commit()
    session.refresh(firm)
    assert (firm.name, firm.notes) == ("=1+2株式会社", "'そのまま")
