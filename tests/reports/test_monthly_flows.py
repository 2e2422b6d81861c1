"""The monthly report's 人材還流 sheet on the demo, read back with openpyxl: each hub's 計 is its
placements of the fiscal year to date, 全国計 is the sum of the hubs, and the area columns
match a plain-SQL count."""

import datetime as dt
import io

import openpyxl
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.csvio.xlsx import write_workbook
from crm.reports.monthly import monthly_report, workbook_sheets

TODAY = dt.date(2026, 12, 1)
PERIOD = {"since": "2020-04-01", "until": "2020-11-30"}


def test_the_flow_sheet_counts_the_fiscal_year_so_far(demo_engine):
    with Session(demo_engine) as session:
        report = monthly_report(session, SYSTEM, "2020-11", today=TODAY)
        per_hub = dict(
            session.execute(
                text(
                    "select hub_code, count(*) from placement"
                    " where placed_on between :since and :until group by hub_code"
                ),
                PERIOD,
            ).all()
        )
        tokyo = dict(
            session.execute(
                text(
                    "select hub_code, count(*) from placement"
                    " where previous_prefecture in ('11','12','13','14')"
                    " and previous_prefecture <> hub_code"
                    " and placed_on between :since and :until group by hub_code"
                ),
                PERIOD,
            ).all()
        )
    buffer = io.BytesIO()
    write_workbook(workbook_sheets(report), buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert "人材還流" in book.sheetnames
    sheet = book["人材還流"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "拠点" and header[-1] == "計" and "首都圏" in header
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(2)]
    national = rows[-1]
    hubs = rows[:-1]
    assert national["拠点"] == "全国計"
    assert national["計"] == sum(per_hub.values()) == sum(r["計"] for r in hubs)
    names = {r["拠点"]: r for r in hubs}
    assert names["山形県"]["計"] == per_hub["06"]
    assert names["山形県"]["首都圏"] == tokyo.get("06", 0)
    for column in header[1:]:
        assert national[column] == sum(r[column] or 0 for r in hubs)
