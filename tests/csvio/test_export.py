"""Weekly and full exports: contents, late entries, ISO week edges, reruns, scope, audit."""

import datetime as dt
import hashlib
import json

import pytest
from sqlmodel import select

from crm.actor import SYSTEM
from crm.csvio.excel import EncodingRefused
from crm.csvio.export import Week, full_export, weekly_export
from crm.errors import CrmError, PermissionDenied
from crm.models import AuditLog
from crm.services import companies, followups, needs
from tests.csvio.helpers import file_of, jst, rows_of, stamp, table
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

W47 = Week(2026, 47)  # Monday 2026-11-16 .. Sunday 2026-11-22
D = dt.date


@pytest.fixture
def week_data(session, actors):
    """Hub 01 with rows dated in W47, before it (some entered or corrected in W47), after it;
    hub 02 with one consultation in W47."""
    m = actors.manager01
    firm = make_company(session, m, name="山形精密株式会社", corporate_number="7000012050002")
    other_firm = make_company(session, m, name="米沢織物株式会社")
    quiet_firm = make_company(session, m, name="関係のない株式会社")
    inside = make_consultation(session, m, firm, on=D(2026, 11, 16), summary="週の初日")
    last_day = make_consultation(session, m, other_firm, on=D(2026, 11, 22), summary="週の最終日")
    before = make_consultation(session, m, firm, on=D(2026, 11, 15), summary="前の日曜")
    late = make_consultation(session, m, firm, on=D(2026, 10, 1), summary="後から入力")
    corrected = make_consultation(session, m, firm, on=D(2026, 9, 1), summary="訂正された")
    need = make_need(session, m, inside, opened_on=D(2026, 11, 17))
    partner = make_partner(session)
    referral = needs.refer_need(
        session, m, {"need_id": need.id, "partner_id": partner.id, "referred_on": D(2026, 11, 18)}
    )
    placement = make_placement(session, m, need, on=D(2026, 11, 20), partner_id=partner.id)
    theirs = make_company(session, actors.manager02, name="青森林業株式会社")
    their_consultation = make_consultation(session, actors.manager02, theirs, on=D(2026, 11, 19))
    # Timestamps: everything entered on its own date, except the late entry and the correction.
    for row in (firm, other_firm, quiet_firm, theirs):
        stamp(session, row, created=jst(2026, 9, 1, 9))
    for row in (inside, last_day, before, need, placement, their_consultation):
        day = getattr(row, "consulted_on", None) or getattr(row, "opened_on", None) or row.placed_on
        stamp(session, row, created=jst(day.year, day.month, day.day, 18))
    stamp(session, referral, created=jst(2026, 11, 18, 15))
    stamp(session, late, created=jst(2026, 11, 18, 10))
    stamp(session, corrected, created=jst(2026, 9, 1, 18), updated=jst(2026, 11, 21, 9))
    session.commit()
    return {
        "inside": inside,
        "last_day": last_day,
        "before": before,
        "late": late,
        "corrected": corrected,
        "need": need,
        "placement": placement,
        "firm": firm,
        "other_firm": other_firm,
        "quiet_firm": quiet_firm,
        "theirs": theirs,
    }


def test_weekly_export_holds_the_weeks_rows_late_entries_and_their_companies(
    session, actors, week_data
):
    bundle = weekly_export(session, actors.manager01, W47)
    consultations = rows_of(bundle, "consultations.csv")
    assert [(r["相談ID"], r["相談内容"], r["区分"]) for r in consultations] == [
        (str(week_data["inside"].id), "週の初日", "当週"),
        (str(week_data["last_day"].id), "週の最終日", "当週"),
        (str(week_data["late"].id), "後から入力", "遅延入力"),
        (str(week_data["corrected"].id), "訂正された", "訂正"),
    ]
    assert [r["ニーズID"] for r in rows_of(bundle, "needs.csv")] == [str(week_data["need"].id)]
    assert [r["成約日"] for r in rows_of(bundle, "placements.csv")] == ["2026-11-20"]
    assert [r["紹介日"] for r in rows_of(bundle, "referrals.csv")] == ["2026-11-18"]
    # The placement's follow-up is due in February: not dated in the week, not earlier either.
    assert rows_of(bundle, "follow_ups.csv") == []
    companies_rows = rows_of(bundle, "companies.csv")
    assert [r["企業名"] for r in companies_rows] == ["山形精密株式会社", "米沢織物株式会社"]
    assert companies_rows[0]["法人番号"] == "7000012050002"
    # Hub 02's row is not in hub 01's export.
    assert all(r["拠点コード"] == "01" for r in consultations)
    assert bundle.folder == "2026-W47_hub01"


def test_summary_counts_the_week_and_the_cumulative_totals_per_hub(session, actors, week_data):
    bundle = weekly_export(session, actors.secretariat, W47)
    summary = {r["拠点コード"]: r for r in rows_of(bundle, "summary.csv")}
    hub01 = summary["01"]
    assert (
        hub01["相談（週）"],
        hub01["人材ニーズ（週）"],
        hub01["紹介（週）"],
        hub01["成約（週）"],
        hub01["遅延入力・訂正（週）"],
    ) == ("2", "1", "1", "1", "2")
    assert hub01["相談（累計）"] == "5"  # every consultation of hub 01 is dated by 2026-11-22
    assert summary["02"]["相談（週）"] == "1"
    assert summary["47"]["相談（累計）"] == "0"  # active hubs without data are listed too
    assert "13" not in summary  # Tokyo has no hub
    total = summary[""]
    assert total["拠点名"] == "合計" and total["相談（週）"] == "3"
    assert bundle.folder == "2026-W47"


def test_manifest_lists_files_counts_checksums_period_and_author(session, actors, week_data):
    bundle = weekly_export(session, actors.secretariat, W47)
    manifest = json.loads(bundle.manifest_bytes())
    assert manifest["week"] == "2026-W47"
    assert manifest["period"]["start"] == "2026-11-16T00:00:00+09:00"
    assert manifest["period"]["end_exclusive"] == "2026-11-23T00:00:00+09:00"
    assert manifest["period"]["start_utc"] == "2026-11-15T15:00:00+00:00"
    assert manifest["generated_by"]["username"] == "secretariat"
    assert manifest["generated_at"].endswith("+09:00")
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == {
        "companies.csv",
        "consultations.csv",
        "needs.csv",
        "referrals.csv",
        "placements.csv",
        "follow_ups.csv",
        "summary.csv",
    }
    for file in bundle.files:
        assert listed[file.name]["sha256"] == hashlib.sha256(file.data).hexdigest()
        assert listed[file.name]["rows"] == len(table(file.data))
    assert listed["consultations.csv"]["rows"] == 5


def test_rerunning_the_same_week_gives_byte_identical_data_files(
    session, actors, week_data, tmp_path
):
    first = weekly_export(session, actors.secretariat, W47).write_to(tmp_path / "a")
    session.commit()
    second = weekly_export(session, actors.secretariat, W47).write_to(tmp_path / "b")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        if name != "manifest.json":
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # Writing into the same folder again replaces the files with identical bytes.
    again = weekly_export(session, actors.secretariat, W47).write_to(tmp_path / "a")
    assert (again / "consultations.csv").read_bytes() == (second / "consultations.csv").read_bytes()
    manifests = [json.loads((d / "manifest.json").read_text()) for d in (first, second)]
    for manifest in manifests:
        manifest.pop("generated_at")
    assert manifests[0] == manifests[1]


def test_data_files_do_not_contain_the_generation_time(session, actors, week_data):
    bundle = weekly_export(session, actors.secretariat, W47)
    made = bundle.manifest["generated_at"][:16].replace("T", " ")
    assert [f.name for f in bundle.files if made.encode() in f.data] == []


# --- ISO week edges -----------------------------------------------------------------------------


def test_a_week_across_the_year_boundary(session, actors):
    m = actors.manager01
    firm = make_company(session, m)
    stamp(session, firm, created=jst(2024, 12, 1, 9))
    dated = {}
    for day in (D(2024, 12, 29), D(2024, 12, 30), D(2025, 1, 1), D(2025, 1, 5), D(2025, 1, 6)):
        row = make_consultation(session, m, firm, on=day, summary=day.isoformat())
        stamp(session, row, created=jst(day.year, day.month, day.day, 12))
        dated[day] = row
    session.commit()
    week = Week.parse("2025-W01")
    assert week.days == (D(2024, 12, 30), D(2025, 1, 5))
    bundle = weekly_export(session, m, week)
    assert [r["相談日"] for r in rows_of(bundle, "consultations.csv")] == [
        "2024-12-30",
        "2025-01-01",
        "2025-01-05",
    ]
    assert bundle.folder == "2025-W01_hub01"
    assert Week.parse("2026-W53").days == (D(2026, 12, 28), D(2027, 1, 3))
    with pytest.raises(CrmError, match="2026-W47"):
        Week.parse("2025-W53")  # 2025 has 52 ISO weeks


def test_sunday_2359_japan_time_belongs_to_that_week_not_the_utc_day(session, actors):
    m = actors.manager01
    firm = make_company(session, m)
    stamp(session, firm, created=jst(2024, 12, 1, 9))
    sunday_night = make_consultation(session, m, firm, on=D(2024, 12, 2), summary="日曜23:59入力")
    monday_midnight = make_consultation(session, m, firm, on=D(2024, 12, 2), summary="月曜0:00入力")
    # 2025-01-05 14:59:59 UTC is Sunday 23:59:59 in Japan; 15:00 UTC is Monday 00:00.
    stamp(session, sunday_night, created=dt.datetime(2025, 1, 5, 14, 59, 59, tzinfo=dt.UTC))
    stamp(session, monday_midnight, created=dt.datetime(2025, 1, 5, 15, 0, 0, tzinfo=dt.UTC))
    session.commit()
    w01 = rows_of(weekly_export(session, m, Week(2025, 1)), "consultations.csv")
    w02 = rows_of(weekly_export(session, m, Week(2025, 2)), "consultations.csv")
    assert [(r["相談内容"], r["区分"], r["登録日時"]) for r in w01] == [
        ("日曜23:59入力", "遅延入力", "2025-01-05 23:59:59")
    ]
    assert [(r["相談内容"], r["登録日時"]) for r in w02] == [
        ("月曜0:00入力", "2025-01-06 00:00:00")
    ]


def test_without_a_week_the_last_complete_japan_week_is_taken(session, actors):
    sunday_2359 = dt.datetime(2025, 1, 5, 14, 59, tzinfo=dt.UTC)  # still Sunday in Japan
    monday_0000 = dt.datetime(2025, 1, 5, 15, 0, tzinfo=dt.UTC)  # Monday in Japan
    assert weekly_export(session, actors.manager01, now=sunday_2359).manifest["week"] == "2024-W52"
    assert weekly_export(session, actors.manager01, now=monday_0000).manifest["week"] == "2025-W01"


# --- scope, audit, encodings ----------------------------------------------------------------------


def test_a_hub_manager_exports_only_their_own_hub(session, actors, week_data):
    with pytest.raises(PermissionDenied):
        weekly_export(session, actors.manager01, W47, hub="02")
    bundle = weekly_export(session, actors.secretariat, W47, hub="02")
    assert [r["拠点コード"] for r in rows_of(bundle, "consultations.csv")] == ["02"]
    assert [r["企業名"] for r in rows_of(bundle, "companies.csv")] == ["青森林業株式会社"]
    system = weekly_export(session, SYSTEM, W47)
    assert {r["拠点コード"] for r in rows_of(system, "consultations.csv")} == {"01", "02"}


def test_every_export_is_audited_with_its_counts(session, actors, week_data):
    weekly_export(session, actors.secretariat, W47, hub="01")
    full_export(session, actors.manager01)
    session.commit()
    entries = session.exec(
        select(AuditLog).where(AuditLog.action == "export").order_by(AuditLog.id)
    ).all()
    assert [(e.username, e.entity, e.hub_code) for e in entries] == [
        ("secretariat", "weekly", "01"),
        ("manager01", "full", "01"),
    ]
    detail = json.loads(entries[0].detail)
    assert detail["week"] == "2026-W47" and detail["rows"]["consultations.csv"] == 4


def test_english_headers_carry_codes(session, actors, week_data):
    bundle = weekly_export(session, actors.manager01, W47, headers="en")
    row = rows_of(bundle, "consultations.csv")[0]
    assert row["channel"] == "visit" and row["entry_kind"] == "week"
    placement = rows_of(bundle, "placements.csv")[0]
    assert (placement["age_band"], placement["previous_residence"]) == ("40s", "tokyo_area")


def test_cp932_export_opens_as_cp932(session, actors, week_data):
    bundle = weekly_export(session, actors.manager01, W47, encoding="cp932")
    data = file_of(bundle, "placements.csv").data
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = table(data, "cp932")
    assert rows[0]["年収帯"] == "600～800万円"  # the label's 〜 as CP932 writes it
    assert rows[0]["企業名"] == "山形精密株式会社"


def test_cp932_refuses_unrepresentable_characters_naming_record_and_field(
    session, actors, week_data
):
    firm = week_data["firm"]
    companies.update_company(
        session,
        actors.manager01,
        firm.id,
        {"name": "𠮷野精密株式会社", "prefecture_code": "01"},
        firm.version,
    )
    session.commit()
    with pytest.raises(EncodingRefused) as refused:
        weekly_export(session, actors.manager01, W47, encoding="cp932")
    found = {(p.file, p.record, p.column, p.character) for p in refused.value.problems}
    assert ("companies.csv", str(firm.id), "企業名", "𠮷") in found
    assert ("consultations.csv", str(week_data["inside"].id), "企業名", "𠮷") in found
    assert session.exec(select(AuditLog).where(AuditLog.action == "export")).all() == []


def test_hostile_cells_are_neutralised_in_the_export(session, actors):
    m = actors.manager01
    firm = make_company(session, m, name='=HYPERLINK("http://evil.example")', employees=12)
    make_consultation(session, m, firm, on=D(2026, 11, 17), summary="@SUM(1+1)", next_action="-1+2")
    session.commit()
    bundle = weekly_export(session, m, W47)
    text = file_of(bundle, "consultations.csv").data.decode("utf-8-sig")
    assert "'@SUM(1+1)" in text and ",'-1+2," in text
    company = file_of(bundle, "companies.csv").data.decode("utf-8-sig").split("\r\n")[1]
    assert '"\'=HYPERLINK(""http://evil.example"")"' in company
    assert ",12," in company  # a number stays a bare number


def test_follow_ups_count_when_due_or_done_in_the_week(session, actors):
    m = actors.manager01
    firm = make_company(session, m)
    due = followups.schedule_follow_up(
        session, m, {"company_id": firm.id, "due_on": D(2026, 11, 18)}
    )
    done = followups.schedule_follow_up(
        session, m, {"company_id": firm.id, "due_on": D(2026, 11, 1), "done_on": D(2026, 11, 20)}
    )
    later = followups.schedule_follow_up(
        session, m, {"company_id": firm.id, "due_on": D(2027, 2, 1)}
    )
    for row in (due, done, later, firm):
        stamp(session, row, created=jst(2026, 11, 2, 9))
    session.commit()
    bundle = weekly_export(session, m, W47)
    assert [int(r["フォローアップID"]) for r in rows_of(bundle, "follow_ups.csv")] == [
        due.id,
        done.id,
    ]
    assert rows_of(bundle, "summary.csv")[0]["フォローアップ実施（週）"] == "1"


def test_the_column_layout_is_stable():
    """The published order of every file (append new columns at the end, never reorder)."""
    from crm.csvio.columns import ENTITIES, SUMMARY

    layout = {spec.name: spec.headers("en") for spec in (*ENTITIES.values(), SUMMARY)}
    trailer = ["version", "created_at", "updated_at", "entry_kind"]
    assert layout == {
        "partners": [
            "id",
            "kind",
            "name",
            "prefecture_code",
            "active",
            "version",
            "created_at",
            "updated_at",
        ],
        "companies": [
            "id",
            "hub_code",
            "name",
            "kana",
            "corporate_number",
            "prefecture_code",
            "city",
            "industry",
            "employees",
            "capital_jpy",
            "notes",
            "version",
            "created_at",
            "updated_at",
            "sales_band",  # appended (a firm's 売上高帯)
        ],
        "contacts": [
            "id",
            "hub_code",
            "company_id",
            "company_name",
            "name",
            "title",
            "email",
            "phone",
            "version",
            "created_at",
            "updated_at",
        ],
        "need_history": [
            "id",
            "hub_code",
            "need_id",
            "from_status",
            "to_status",
            "changed_on",
            "changed_at",
            "note",
        ],
        "targets": [
            "id",
            "hub_code",
            "fiscal_year",
            "consultations",
            "placements",
            "status",
            "approved_at",
            "version",
            "created_at",
            "updated_at",
        ],
        "consultations": [
            "id",
            "hub_code",
            "company_id",
            "company_name",
            "consulted_on",
            "channel",
            "stance",
            "summary",
            "next_action",
            "next_action_on",
            *trailer,
        ],
        "needs": [
            "id",
            "hub_code",
            "company_id",
            "company_name",
            "consultation_id",
            "category",
            "engagement",
            "role_title",
            "headcount",
            "salary_band",
            "status",
            "opened_on",
            "notes",
            *trailer,
            "status_changed_on",
        ],
        "referrals": [
            "id",
            "hub_code",
            "need_id",
            "company_id",
            "partner_id",
            "partner_name",
            "referred_on",
            "outcome",
            "notes",
            *trailer,
        ],
        "placements": [
            "id",
            "hub_code",
            "need_id",
            "company_id",
            "company_name",
            "placed_on",
            "engagement",
            "partner_id",
            "partner_name",
            "salary_band",
            "age_band",
            "previous_residence",
            "notes",
            *trailer,
            "previous_prefecture",
        ],
        "follow_ups": [
            "id",
            "hub_code",
            "company_id",
            "company_name",
            "placement_id",
            "due_on",
            "done_on",
            "notes",
            *trailer,
        ],
        "summary": [
            "hub_code",
            "hub_name",
            "week",
            "consultations_week",
            "needs_week",
            "referrals_week",
            "placements_week",
            "follow_ups_done_week",
            "late_entries_week",
            "consultations_total",
            "needs_total",
            "referrals_total",
            "placements_total",
            "follow_ups_done_total",
            "status_changes_week",
        ],
    }
    assert ENTITIES["consultations"].headers("ja")[:5] == [
        "相談ID",
        "拠点コード",
        "企業ID",
        "企業名",
        "相談日",
    ]


def test_week_boundaries_on_sqlite_and_postgresql(any_engine):
    """Stored UTC timestamps compared with Japan-time week bounds, on both databases."""
    from sqlmodel import Session

    from tests.utils.factories import make_actors

    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        m = actors.manager01
        firm = make_company(session, m)
        stamp(session, firm, created=jst(2024, 12, 1, 9))
        inside = make_consultation(session, m, firm, on=D(2024, 12, 2), summary="日曜23:59")
        outside = make_consultation(session, m, firm, on=D(2024, 12, 2), summary="月曜0:00")
        dated = make_consultation(session, m, firm, on=D(2025, 1, 5), summary="日曜の相談")
        stamp(session, inside, created=dt.datetime(2025, 1, 5, 14, 59, 59, tzinfo=dt.UTC))
        stamp(session, outside, created=dt.datetime(2025, 1, 5, 15, 0, 0, tzinfo=dt.UTC))
        stamp(session, dated, created=jst(2025, 1, 5, 20))
        session.commit()
        rows = rows_of(weekly_export(session, m, Week(2025, 1)), "consultations.csv")
        assert [(r["相談内容"], r["区分"]) for r in rows] == [
            ("日曜23:59", "遅延入力"),
            ("日曜の相談", "当週"),
        ]
        session.rollback()
