"""CSV出力 page: a hub manager exports their own hub, the secretariat any hub or all."""

import datetime as dt
import json

from sqlmodel import select

from crm.csvio.export import Week
from crm.models import AuditLog
from tests.csvio.helpers import jst, stamp, table, zip_members
from tests.utils.factories import make_company, make_consultation

PAGE = "pages/export.py"
RESULT = "export.result"


def _data(session, actors):
    """Consultations dated in the last complete week: two in hub 01, one in hub 02."""
    week = Week.last_complete()
    monday, _ = week.days
    rows = []
    for actor, count in ((actors.manager01, 2), (actors.manager02, 1)):
        firm = make_company(session, actor)
        stamp(session, firm, created=jst(2024, 1, 1, 9))
        for n in range(count):
            row = make_consultation(session, actor, firm, on=monday + dt.timedelta(days=n))
            stamp(session, row, created=jst(monday.year, monday.month, monday.day, 12))
            rows.append(row)
    session.commit()
    return week


def _make(at):
    at.button(key="export.make").click().run()
    assert not at.exception
    return at.session_state[RESULT]


def test_hub_manager_downloads_their_own_hubs_week(open_page, session, actors):
    week = _data(session, actors)
    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    assert [s.key for s in at.selectbox if s.key == "export.hub"] == []  # no hub choice
    assert at.selectbox(key="export.week").value == week
    result = _make(at)
    assert result["folder"] == f"{week.label}_hub01"
    members = zip_members(result["zip"])
    assert set(members) == {
        f"{week.label}_hub01/{name}"
        for name in (
            "companies.csv",
            "consultations.csv",
            "needs.csv",
            "referrals.csv",
            "placements.csv",
            "follow_ups.csv",
            "summary.csv",
            "manifest.json",
        )
    }
    consultations = table(members[f"{week.label}_hub01/consultations.csv"])
    assert [r["拠点コード"] for r in consultations] == ["01", "01"]
    manifest = json.loads(members[f"{week.label}_hub01/manifest.json"])
    assert manifest["generated_by"]["username"] == "manager01"
    assert [b.label for b in at.get("download_button")] == ["zip をダウンロード"]
    session.expire_all()
    audit = session.exec(select(AuditLog).where(AuditLog.action == "export")).all()
    assert [(a.username, a.hub_code) for a in audit] == [("manager01", "01")]


def test_secretariat_exports_all_hubs_or_one(open_page, session, actors):
    week = _data(session, actors)
    at = open_page(actors.secretariat, PAGE)
    assert not at.exception
    result = _make(at)
    members = zip_members(result["zip"])
    hubs = [r["拠点コード"] for r in table(members[f"{week.label}/consultations.csv"])]
    assert sorted(hubs) == ["01", "01", "02"]
    at.selectbox(key="export.hub").select("02").run()
    at.radio(key="export.encoding").set_value("cp932").run()
    result = _make(at)
    members = zip_members(result["zip"])
    rows = table(members[f"{week.label}_hub02/consultations.csv"], "cp932")
    assert [r["拠点コード"] for r in rows] == ["02"]


def test_unrepresentable_characters_are_listed_not_replaced(open_page, session, actors):
    week = _data(session, actors)
    firm = make_company(session, actors.manager01, name="𠮷田商店")
    stamp(session, firm, created=jst(*week.days[0].timetuple()[:3], 10))
    session.commit()
    at = open_page(actors.manager01, PAGE)
    at.radio(key="export.encoding").set_value("cp932").run()
    at.button(key="export.make").click().run()
    assert not at.exception
    assert RESULT not in at.session_state
    assert any("Shift_JIS（CP932）で表せない文字が 1 件" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert problems.to_dict("records") == [
        {
            "ファイル": "companies.csv",
            "ID": str(firm.id),
            "列": "企業名",
            "文字": "𠮷",
            "コード": "U+20BB7",
        }
    ]


def test_the_export_as_one_excel_workbook(open_page, session, actors):
    import io

    import openpyxl

    week = _data(session, actors)
    at = open_page(actors.secretariat, PAGE)
    at.radio(key="export.format").set_value("xlsx").run()
    assert at.radio(key="export.encoding").disabled
    result = _make(at)
    name, data, mime, label = result["download"]
    assert name == f"{week.label}.xlsx" and mime.endswith("spreadsheetml.sheet")
    assert [b.label for b in at.get("download_button")] == ["Excel ブックをダウンロード"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "拠点別集計" and "相談" in book.sheetnames
    sheet = book["相談"]
    header = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[header.index("拠点コード")] for r in rows) == ["01", "01", "02"]
    assert all(isinstance(r[header.index("相談日")], dt.datetime) for r in rows)
