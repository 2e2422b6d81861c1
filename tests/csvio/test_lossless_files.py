"""The files a full export added to be lossless: contacts (an ordinary import too), targets and
the need status history (read by a restore only), and the times a restore keeps."""

import datetime as dt

from crm.cli.common import operator_actor
from crm.csvio.importer import import_files
from crm.models import Company, Consultation, Contact, KpiTarget
from crm.services import companies
from tests.csvio.helpers import csv_bytes
from tests.csvio.test_import import count
from tests.utils.factories import make_company


def test_contacts_import_through_the_contact_rules(session, actors):
    firm = make_company(session, actors.manager01)
    other = make_company(session, actors.manager02, name="他拠点株式会社", prefecture_code="02")
    session.commit()
    data = csv_bytes(
        [
            "企業ID,担当者名,担当者の役職,メールアドレス,電話番号",
            f"{firm.id},山田 花子,人事部長,hanako@example.jp,023-000-0000",
            f"{firm.id},鈴木 一郎,,not-an-address,",
            f"{other.id},佐藤 次郎,,,",
            f"{firm.id},,,,",
        ]
    )
    report = import_files(session, actors.manager01, [("contacts.csv", data)], dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "メールアドレス"),
        (4, "企業ID"),
        (5, "担当者名"),
    ]
    assert "@ が1つだけ" in report.errors[0].reason
    assert "他の拠点の企業" in report.errors[1].reason
    assert count(session, Contact) == 0  # all or nothing

    good = csv_bytes(
        [
            "企業ID,担当者名,担当者の役職,メールアドレス",
            f"{firm.id},山田 花子,人事部長,hanako@example.jp",
        ]
    )
    report = import_files(session, actors.manager01, [("contacts.csv", good)], dry_run=False)
    assert report.ok and report.totals() == {"create": 1}
    session.commit()
    # The same file again: the identical contact is matched, nothing new.
    again = import_files(session, actors.manager01, [("contacts.csv", good)], dry_run=False)
    assert again.ok and again.totals() == {"unchanged": 1}
    assert [c.name for c in companies.list_contacts(session, actors.manager01, firm.id)] == [
        "山田 花子"
    ]


def test_a_hub_import_skips_targets_and_history_with_a_notice(session, actors):
    files = [
        ("targets.csv", csv_bytes(["年度,相談件数の目標,成約件数の目標,承認", "2025,10,1,承認"])),
        ("need_history.csv", csv_bytes(["ニーズID,変更後の状況,状況の日付", "1,成約,2025-05-01"])),
    ]
    report = import_files(session, actors.manager01, files, dry_run=False)
    assert not report.written
    assert report.errors[0].reason == "取り込む CSV ファイルがありません。"
    assert [line.split(":")[0] for line in report.skipped] == ["targets.csv", "need_history.csv"]
    assert count(session, KpiTarget) == 0


def test_a_restore_checks_targets_history_and_times_row_by_row(session, actors):
    """Into an empty database as the operator: bad rows of the restore-only files and bad
    times are refused with their row and column, and nothing is written."""
    files = [
        ("companies.csv", csv_bytes(["企業ID,企業名,都道府県コード", "1,復元工業株式会社,01"])),
        (
            "consultations.csv",
            csv_bytes(
                [
                    "相談ID,企業ID,相談日,相談経路,相談内容,登録日時,更新日時",
                    "10,1,2025-04-01,企業訪問,復元の相談,2025-04-02 09:30:00,2025/4/3 9:00",
                    "11,1,2025-04-02,企業訪問,時刻が壊れた行,2025-13-02 09:30:00,",
                ]
            ),
        ),
        (
            "needs.csv",
            csv_bytes(
                [
                    "ニーズID,企業ID,人材区分,採用形態,役職・職種,受付日",
                    "20,1,専門人材,中途採用,生産技術者,2025-04-01",
                ]
            ),
        ),
        (
            "targets.csv",
            csv_bytes(
                [
                    "目標ID,年度,相談件数の目標,成約件数の目標,承認",
                    "1,2025,10,1,承認済み",
                    "2,2025,12,1,提案中（承認待ち）",
                    "3,2026,-1,1,承認済み",
                    "4,2027,5,1,保留",
                ]
            ),
        ),
        (
            "need_history.csv",
            csv_bytes(
                [
                    "履歴ID,ニーズID,変更前の状況,変更後の状況,状況の日付",
                    "1,20,,受付,2025-04-01",
                    "2,20,受付,紹介中,2025-03-01",
                    "3,99999,,受付,2025-04-01",
                ]
            ),
        ),
    ]
    report = import_files(session, operator_actor("01"), files, dry_run=False, restore=True)
    assert report.skipped == []  # an empty database, the operator: a restore
    errors = {(e.file, e.row, e.column): e.reason for e in report.errors}
    assert "日時" in errors["consultations.csv", 3, "登録日時"]
    assert "重複" in errors["targets.csv", 3, "年度"]
    assert ("targets.csv", 4, "相談件数の目標") in errors
    assert "承認済み" in errors["targets.csv", 5, "承認"]
    assert errors["need_history.csv", 3, "状況の日付"] == "ニーズの受付日より前の日付です"
    assert ("need_history.csv", 4, "ニーズID") in errors
    assert len(errors) == 6
    assert not report.written
    assert count(session, Consultation) == count(session, KpiTarget) == 0


def test_a_restore_keeps_the_times_of_the_file(session, actors):
    files = [
        (
            "companies.csv",
            csv_bytes(
                [
                    "企業ID,企業名,都道府県コード,版,登録日時,更新日時",
                    "7,復元工業株式会社,01,3,2016-04-01 09:00:00,2020/11/2 18:30",
                ]
            ),
        ),
    ]
    report = import_files(session, operator_actor("01"), files, dry_run=False, restore=True)
    assert report.ok, report.errors
    firm = session.get(Company, 7)
    assert firm is not None and firm.version == 3
    utc = dt.UTC
    assert firm.created_at.replace(tzinfo=utc) == dt.datetime(2016, 4, 1, 0, 0, tzinfo=utc)
    assert firm.updated_at.replace(tzinfo=utc) == dt.datetime(2020, 11, 2, 9, 30, tzinfo=utc)
