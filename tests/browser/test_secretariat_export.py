"""Journey 3: the secretariat's national chart, the prefecture tile map and the weekly CSV zip.

The weekly export covers the last complete ISO week by default, so the test first records (as
hub 06's manager, through the services, like a manager would during that week) a firm with a
consultation, a need and a placement dated in that week, and one more consultation dated today
that the weekly file must leave out. Expected figures are counted in the database here, apart
from the pages' own queries."""

import csv
import datetime as dt
import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import actor_for
from crm.csvio.export import Week
from crm.db import session_scope
from crm.models import Consultation, Placement
from crm.services import users
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from tests.browser.helpers import (
    go_to,
    metric_int,
    screenshot,
    settle,
    sign_in,
    success_message,
)
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

BOM = b"\xef\xbb\xbf"
CONSULTATION_HEADER = [  # the published layout (README "CSV layout"), written out here
    "相談ID",
    "拠点コード",
    "企業ID",
    "企業名",
    "相談日",
    "相談経路",
    "経営姿勢",
    "相談内容",
    "次のアクション",
    "次回予定日",
    "版",
    "登録日時",
    "更新日時",
    "区分",
]


@pytest.fixture
def last_week_records(db_engine, seed):
    week = Week.last_complete()
    wednesday = week.days[0] + dt.timedelta(days=2)
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(s, manager, name="週次出力確認株式会社")
        in_week = make_consultation(
            s,
            manager,
            firm,
            on=wednesday,
            summary=f"{week.label} の水曜に訪問。経営企画の人材を相談。",
        )
        today = make_consultation(
            s, manager, firm, on=today_jst(), summary="今週の再訪（週次出力には翌週に載る）。"
        )
        need = make_need(s, manager, in_week)
        make_placement(s, manager, need, on=wednesday)
    return {"week": week, "firm": firm, "in_week": in_week, "today": today}


def database_figures(engine, hub_code: str) -> dict[str, int]:
    today = today_jst()
    since, _ = fiscal_year_bounds(fiscal_year(today))
    with Session(engine) as s:

        def count(model, *where):
            return s.exec(select(func.count()).select_from(model).where(*where)).one()

        return {
            "consultations_total": count(Consultation),
            "placements_total": count(Placement),
            "consultations_fy": count(
                Consultation, Consultation.consulted_on >= since, Consultation.consulted_on <= today
            ),
            "placements_fy": count(
                Placement, Placement.placed_on >= since, Placement.placed_on <= today
            ),
            "hub_placements_fy": count(
                Placement,
                Placement.hub_code == hub_code,
                Placement.placed_on >= since,
                Placement.placed_on <= today,
            ),
        }


def chart_svg(page):
    """The Vega chart's SVG (Streamlit draws Altair charts as SVG, with one aria-label per
    mark, so what the chart shows can be read)."""
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart.locator("svg.marks")).to_be_visible()
    return chart.locator("svg.marks")


def test_secretariat_sees_national_chart_tile_map_and_downloads_the_weekly_zip(
    page, app_server, seed, db_engine, last_week_records, tmp_path
):
    expected = database_figures(db_engine, seed.manager.hub_code)
    sign_in(page, app_server, seed.secretariat)

    # The national dashboard: this fiscal year's figures and the cumulative chart.
    go_to(page, "全国ダッシュボード")
    assert metric_int(page, "相談件数") == expected["consultations_fy"]
    assert metric_int(page, "成約件数") == expected["placements_fy"]
    # 「12/02 現在: …」 for the month in progress (「…月末現在: …」 once a month has closed).
    expect(
        page.get_by_text(
            re.compile(
                f"現在: 累計相談 {expected['consultations_total']:,} 件・"
                f"累計成約 {expected['placements_total']:,} 件"
            )
        )
    ).to_be_visible()
    expect(chart_svg(page)).to_contain_text("全国: 成約件数と相談件数の推移")
    screenshot(page, "journey3-01-national-dashboard")

    # The prefecture comparison's tile map: 47 squares, Tokyo without a hub, Yamagata's count.
    go_to(page, "都道府県比較")
    tiles = chart_svg(page)
    expect(tiles).to_contain_text("都道府県別の成約件数（期間）")
    labels = tiles.locator("text").evaluate_all("texts => texts.map(t => t.textContent)")
    for prefecture in ("北海道", "山形", "東京", "沖縄"):
        assert prefecture in labels
    expect(tiles.locator('[aria-label*="都道府県: 東京都;"]').first).to_have_attribute(
        "aria-label", re.compile("拠点: 拠点なし")
    )
    yamagata = tiles.locator('[aria-label*="都道府県: 山形県;"]').first
    expect(yamagata).to_have_attribute(
        "aria-label", re.compile(f"成約件数（期間）: {expected['hub_placements_fy']:,};")
    )
    assert expected["hub_placements_fy"] >= 1
    screenshot(page, "journey3-02-prefecture-tile-map")
    # A hub's square opens that hub's dashboard (read-only for the secretariat).
    box = yamagata.bounding_box()
    page.mouse.click(box["x"] + 4, box["y"] + 4)  # a corner: the name is drawn at the centre
    expect(page.get_by_role("heading", name="山形県 拠点ダッシュボード")).to_be_visible()
    settle(page)
    assert metric_int(page, "成約件数") == expected["hub_placements_fy"]

    # The weekly export: last complete week by default, all hubs, UTF-8 with BOM.
    week = last_week_records["week"]
    go_to(page, "CSV出力")
    expect(page.get_by_role("combobox", name="週", exact=True)).to_have_value(
        re.compile(f"^{week.label}")
    )
    expect(page.get_by_role("combobox", name="拠点", exact=True)).to_have_value("全拠点")
    page.get_by_role("button", name="出力ファイルを作成").click()
    expect(success_message(page, "を作成しました")).to_be_visible()
    settle(page)
    screenshot(page, "journey3-03-weekly-export")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="zip をダウンロード").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    zip_path = tmp_path / download.suggested_filename
    download.save_as(zip_path)

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        consultations_file = next(n for n in names if n.endswith("/consultations.csv"))
        data = archive.read(consultations_file)
        manifest = json.loads(archive.read(next(n for n in names if n.endswith("/manifest.json"))))
    assert data.startswith(BOM)
    assert b"\r\n" in data  # CRLF line ends, as Excel writes them
    rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))
    assert rows[0] == CONSULTATION_HEADER
    by_id = {int(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    in_week, outside = last_week_records["in_week"], last_week_records["today"]
    assert in_week.id in by_id
    assert by_id[in_week.id]["相談日"] == in_week.consulted_on.isoformat()
    assert by_id[in_week.id]["相談内容"] == in_week.summary
    assert by_id[in_week.id]["企業名"] == last_week_records["firm"].name
    assert by_id[in_week.id]["区分"] == "当週"
    assert outside.id not in by_id  # dated after the week
    monday, sunday = week.days
    assert all(
        monday.isoformat() <= row["相談日"] <= sunday.isoformat() or row["区分"] != "当週"
        for row in by_id.values()
    )
    assert manifest["period"]["start"].startswith(monday.isoformat())
