"""The API feeds a spreadsheet (issue 26, item 3): ``format=csv`` and ``format=xlsx`` read back as
a spreadsheet program reads them (the csv module, openpyxl) have Japanese headers and labels,
names beside ids, Japan-time stamps to the second, flat columns and neutralised formulas;
``codes=1`` gives the field names and codes."""

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from crm.actor import SYSTEM
from crm.api.app import create_api
from crm.auth import api_tokens
from crm.models import Consultation, Placement, TalentCategory, TalentNeed
from crm.reference import Channel, Engagement, SalaryBand
from crm.services import needs
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

FORMULA = '=HYPERLINK("http://example.com","x")'
PERIOD = {"since": "2024-04-01", "until": "2025-03-31"}
LISTS = ["/firms", "/consultations", "/needs", "/placements", "/follow-ups"]
ANALYTICS = [
    "/trend",
    "/prefectures",
    "/breakdowns",
    "/headline",
    "/flows",
    "/funnel",
    "/partners/performance",
]
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(engine, actors):
    """Hub 01: a firm whose name is a formula, with a consultation, a need, a placement through
    a partner (and the follow-up it schedules); hub 02: a plain firm with a consultation."""
    with Session(engine, expire_on_commit=False) as s:
        firm = make_company(s, actors.manager01, name=FORMULA)
        consultation = make_consultation(s, actors.manager01, firm, on=dt.date(2024, 5, 1))
        need = make_need(s, actors.manager01, consultation)
        partner = make_partner(s, name="東北人材バンク")
        needs.refer_need(
            s,
            actors.manager01,
            {"need_id": need.id, "partner_id": partner.id, "referred_on": dt.date(2024, 5, 20)},
        )
        make_placement(s, actors.manager01, need, on=dt.date(2024, 9, 2), partner_id=partner.id)
        other = make_company(s, actors.manager02, name="函館精機株式会社")
        make_consultation(s, actors.manager02, other, on=dt.date(2024, 6, 3))
        _, token = api_tokens.create_token(s, SYSTEM, actors.secretariat.username)
        s.commit()
    return {"token": token, "firm": firm, "partner": partner.name}


@pytest.fixture
def client(engine, world):
    with TestClient(create_api(lambda: engine), base_url="http://crm.test") as test_client:
        test_client.headers["Authorization"] = f"Bearer {world['token']}"
        yield test_client


def table(client, path, **params) -> list[list[str]]:
    """The CSV answer as the csv module reads it (the BOM and CRLF checked on the way)."""
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line ends in CRLF
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def records(client, path, **params) -> list[dict[str, str]]:
    header, *rows = table(client, path, **params)
    assert len(set(header)) == len(header), header  # no header twice
    return [dict(zip(header, row, strict=True)) for row in rows]


def workbook_rows(client, path, **params) -> list[tuple]:
    answer = client.get(path, params={**params, "format": "xlsx"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX_MIME
    name = path.strip("/").replace("/", "-")  # /partners/performance: partners-performance
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return list(sheet.iter_rows(values_only=True))


def jst(stamp: dt.datetime) -> dt.datetime:
    """Computed here, not by the code under test: stored stamps are UTC."""
    aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)


def test_consultations_read_in_japanese_with_names_labels_and_japan_time(client, engine, world):
    rows = records(client, "/consultations", format="csv")
    with Session(engine) as s:
        stored = {c.id: c for c in s.exec(select(Consultation))}
    assert len(rows) == len(stored) == 2
    mine = next(r for r in rows if r["拠点コード"] == "01")
    assert list(mine)[:3] == ["登録日時", "登録者ID", "更新日時"]  # the read shape's order
    record = stored[int(mine["相談ID"])]
    assert mine["相談経路"] == Channel.labels()["visit"] == "企業訪問"
    assert mine["相談日"] == "2024-05-01"
    # The name beside the id, neutralised as the exports write it.
    assert mine["企業ID"] == str(world["firm"].id)
    assert mine["企業名"] == "'" + FORMULA
    assert mine["拠点名"] == "北海道"
    assert STAMP.match(mine["登録日時"])
    assert mine["登録日時"] == f"{jst(record.created_at):%Y-%m-%d %H:%M:%S}"
    other = next(r for r in rows if r["拠点コード"] == "02")
    assert (other["企業名"], other["拠点名"]) == ("函館精機株式会社", "青森県")


def test_needs_and_placements_carry_labels_and_the_names_beside_their_ids(client, engine, world):
    with Session(engine) as s:
        need = s.exec(select(TalentNeed)).one()
        category = s.get(TalentCategory, need.category_id)
        assert category is not None
        category_name = category.name_ja
    (need_row,) = records(client, "/needs", format="csv")
    assert need_row["人材区分"] == category_name
    assert need_row["採用形態"] == Engagement.labels()["mid_career"]
    assert need_row["企業名"] == "'" + FORMULA
    assert need_row["状況"] not in ("", need.status)  # the label, not the code
    (placed,) = records(client, "/placements", format="csv")
    assert placed["年収帯"] == SalaryBand.labels()["6m_8m"] == "600〜800万円"
    assert placed["パートナー名"] == world["partner"]
    assert placed["役職・職種"] == "営業部長"  # beside ニーズID
    assert placed["企業名"] == "'" + FORMULA
    (follow_up,) = records(client, "/follow-ups", format="csv")
    assert follow_up["企業名"] == "'" + FORMULA
    (firm,) = [r for r in records(client, "/firms", format="csv") if r["拠点コード"] == "01"]
    assert (firm["都道府県"], firm["企業名"]) == ("北海道", "'" + FORMULA)
    assert firm["業種"].startswith("E ")  # the division by name (E 製造業), not the bare letter


def test_codes_give_the_field_names_and_codes_as_the_json(client):
    for path in LISTS:
        items = client.get(path).json()["items"]
        header, *rows = table(client, path, format="csv", codes="1")
        assert header == list(items[0]), path
        assert [row[header.index("id")] for row in rows] == [str(i["id"]) for i in items]
    (placed,) = records(client, "/placements", format="csv", codes="true")
    assert (placed["salary_band"], placed["previous_residence"]) == ("6m_8m", "tokyo_area")
    channels = {r["channel"] for r in records(client, "/consultations", format="csv", codes="1")}
    assert channels == {"visit"}
    stamps = [r["created_at"] for r in records(client, "/consultations", format="csv", codes="1")]
    assert all(STAMP.match(stamp) for stamp in stamps)  # Japan time to the second as well
    assert "progress.target_placements" in table(client, "/prefectures", format="csv", codes=1)[0]


REPRS = re.compile(r"^(True|False|None|\{.*|\[.*|.*\d:\d\d:\d\d\.\d+.*|.*\+00:00)$")


@pytest.mark.parametrize("path", LISTS + ANALYTICS)
def test_no_python_reprs_anywhere_in_csv_or_xlsx(client, path):
    params = PERIOD if path in ANALYTICS else {}
    header, *rows = table(client, path, format="csv", **params)
    assert rows, path
    assert all(re.search(r"[ぁ-んァ-ヶ一-龠]", h) for h in header), header  # Japanese headers
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if REPRS.match(c)], path
    sheet = workbook_rows(client, path, **params)
    assert list(sheet[0]) == header
    assert len(sheet) == len(rows) + 1
    for row in sheet[1:]:
        for value in row:
            assert not isinstance(value, bool)
            assert not (isinstance(value, str) and REPRS.match(value)), value
            if isinstance(value, dt.datetime):
                assert value.microsecond == 0


def test_prefectures_are_flat_with_the_progress_in_columns_of_their_own(client, engine):
    rows = records(client, "/prefectures", format="csv", **PERIOD)
    hub01 = next(r for r in rows if r["拠点コード"] == "01")
    for header in (
        "目標の年度",
        "年度相談件数",
        "相談目標",
        "成約目標",
        "目標の状態",
        "成約進捗率",
    ):
        assert header in hub01
    assert "progress" not in hub01 and "progress.fiscal_year" not in hub01
    assert hub01["活動中"] == "はい"
    assert hub01["目標の年度"] == "2024"
    assert (hub01["期間（初日）"], hub01["期間（末日）"]) == (PERIOD["since"], PERIOD["until"])
    with Session(engine) as s:
        placed = s.exec(select(Placement).where(Placement.hub_code == "01")).all()
        consulted = s.exec(select(Consultation).where(Consultation.hub_code == "01")).all()
    assert (hub01["成約件数"], hub01["相談件数"]) == (str(len(placed)), str(len(consulted)))
    assert hub01["成約率"] == f"{len(placed) / len(consulted):.1%}"  # 100.0%
    workbook = workbook_rows(client, "/prefectures", **PERIOD)
    header, values = workbook[0], next(r for r in workbook[1:] if r[0] == "01")
    assert values[header.index("成約率")] == len(placed) / len(consulted)  # a number, shown as %


def test_the_workbook_is_the_csv_table_typed(client, engine, world):
    sheet = workbook_rows(client, "/firms")
    header = sheet[0]
    assert header[:3] == ("登録日時", "登録者ID", "更新日時")
    firm = next(r for r in sheet[1:] if r[header.index("企業ID")] == str(world["firm"].id))
    assert firm[header.index("企業名")] == "'" + FORMULA  # text, never a formula
    assert firm[header.index("登録日時")] == jst(world["firm"].created_at)
    assert firm[header.index("従業員数")] == 50
    assert firm[header.index("拠点名")] == "北海道"


def test_breakdowns_headline_trend_and_flows_read_in_japanese(client, engine):
    trend = records(client, "/trend", format="csv", **PERIOD)
    assert sum(int(r["成約"]) for r in trend) == 1
    assert sum(int(r["相談"]) for r in trend) == 2
    (headline,) = records(client, "/headline", format="csv", **PERIOD)
    assert (headline["相談件数"], headline["相談企業数"], headline["成約件数"]) == ("2", "2", "1")
    assert headline["成約率"] == "50.0%"
    breakdowns = records(client, "/breakdowns", format="csv", **PERIOD)
    by_channel = [r for r in breakdowns if r["内訳"] == "相談経路別の相談件数"]
    assert {r["区分"]: r["件数"] for r in by_channel if r["件数"] != "0"} == {"企業訪問": "2"}
    flows = records(client, "/flows", format="csv", **PERIOD)
    assert [(r["前居住地"], r["拠点名"], r["成約件数"]) for r in flows] == [
        ("首都圏", "北海道", "1")
    ]


def test_accept_header_still_answers_csv_and_with_labels(client):
    answer = client.get("/trend", params=PERIOD, headers={"Accept": "text/csv"})
    assert answer.text.lstrip("\ufeff").startswith("月,相談,成約")
    assert client.get("/trend", params={**PERIOD, "format": "json"}).json()[0]["month"]


def test_a_bad_format_or_codes_is_refused_by_name(client):
    for params, name in (({"format": "pdf"}, "format"), ({"codes": "maybe"}, "codes")):
        answer = client.get("/firms", params=params)
        assert answer.status_code == 422
        assert list(answer.json()["fields"]) == [name]


def test_format_and_codes_are_documented_on_every_data_endpoint(client):
    document = client.get("/openapi.json").json()
    for path in LISTS + ANALYTICS:
        parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["format"]["schema"]["anyOf"][0]["pattern"] == "^(json|csv|xlsx)$"
        assert "ラベル" in parameters["format"]["description"]
        assert "コード" in parameters["codes"]["description"]
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert {"text/csv", XLSX_MIME} <= set(content)
