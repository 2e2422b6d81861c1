"""The secretariat's monthly report to the programme (月次報告): a workbook and a PDF.

For a month ``YYYY-MM`` the figures are as of the month's end (「2020年11月末現在」), or as of
today for the month in progress (「2026年12月1日現在」):

- per prefecture: consultations and placements in the fiscal year so far and cumulative since
  the programme began, of the placements those in side or part-time engagement (うち副業・兼業)
  and those of people from outside the prefecture (県外からの人材), and the hub's rank within its
  regional block (by cumulative placements; equal counts share a rank);
- a subtotal per regional block and the national total;
- a fiscal-year table from the programme's first year to the current one;
- the programme's chart 「成約件数と相談件数の推移」 (the dashboards' own chart builder),
  rendered server-side with vl-convert and embedded in the PDF (and the workbook, on a sheet
  of its own so that it prints on a page of its own).

Both print ready: the workbook through the product's one page setup (``crm.csvio.print_setup``),
the PDF (``crm.reports.monthly_pdf``) with page numbers, the issuing body (``CRM_ISSUER``) and the
time it was made in Japan time. Each fiscal year has one name everywhere
(``crm.reports.fiscal_years``).

Every figure comes from the analytics the pages use: ``hub_comparison`` (the 都道府県比較
page and ``crm report hubs``), ``counts_by_hub`` and ``monthly_trend``.
"""

import datetime as dt
import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from crm import timeutil
from crm.actor import Actor
from crm.analytics.comparison import HubComparisonRow, hub_comparison
from crm.analytics.filters import AnalyticsFilter, parse_month
from crm.analytics.flows import FlowTable, flow_table, matrix
from crm.analytics.forecast import NATIONAL, HubForecast, MeasureForecast, fiscal_year_forecast
from crm.analytics.forecast_record import ForecastRecord, forecast_record
from crm.analytics.periods import as_of_label
from crm.analytics.summary import counts_by_hub
from crm.analytics.trend import TrendPoint, monthly_trend
from crm.config import get_settings
from crm.csvio.print_setup import PageHeading
from crm.csvio.xlsx import COUNT, DECIMAL, NUMBER, TEXT, Sheet, SheetColumn, write_workbook
from crm.errors import CrmError
from crm.files import private_dir, write_bytes
from crm.presentation.forecast_text import error_sentence
from crm.reference import BLOCKS
from crm.reports.fiscal_years import counted_span, fiscal_year_label
from crm.targets import FIRST_FISCAL_YEAR
from crm.timeutil import add_months, fiscal_year, fiscal_year_bounds, today_jst

CHART_TITLE = "成約件数と相談件数の推移"
CHART_SHEET = "推移グラフ"
TITLE = "プロフェッショナル人材戦略拠点 月次報告"
RANK_NOTE = "ブロック内順位は累計成約件数の多い順（同数は同順位）。"
OUTSIDE_NOTE = "県外からの人材は前居住地が首都圏・その他の地域の成約（未記録は含まない）。"
FONT_FAMILY = "Noto Sans CJK JP"
FONT_FILES = {
    "": "NotoSansCJK-Regular.ttc",
    "B": "NotoSansCJK-Bold.ttc",
}
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk")


# --- the figures ------------------------------------------------------------------------------


@dataclass
class Figures:
    """Counts of one line of the prefecture table (a hub, a block or the nation)."""

    fy_consultations: int = 0
    fy_placements: int = 0
    fy_side_jobs: int = 0
    fy_outside: int = 0
    consultations: int = 0  # cumulative
    placements: int = 0
    side_jobs: int = 0
    outside: int = 0

    def add(self, other: "Figures") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @classmethod
    def of(cls, row: HubComparisonRow) -> "Figures":
        return cls(
            fy_consultations=row.consultations,
            fy_placements=row.placements,
            fy_side_jobs=row.side_job_placements,
            fy_outside=row.outside_placements,
            consultations=row.cumulative_consultations,
            placements=row.cumulative_placements,
            side_jobs=row.cumulative_side_job_placements,
            outside=row.cumulative_outside_placements,
        )


@dataclass(frozen=True)
class PrefectureLine:
    hub_code: str
    name: str
    block: str
    active: bool
    figures: Figures
    block_rank: int


@dataclass(frozen=True)
class BlockLine:
    block: str
    prefectures: tuple[PrefectureLine, ...]
    figures: Figures


@dataclass(frozen=True)
class FiscalYearLine:
    fiscal_year: int
    label: str  # 2015年度
    span: str  # the days counted: 2016年1月〜3月
    consultations: int
    placements: int
    side_jobs: int
    outside: int
    cumulative_consultations: int
    cumulative_placements: int


@dataclass(frozen=True)
class MonthlyReport:
    month: str  # YYYY-MM
    as_of: dt.date  # the last day counted
    as_of_label: str  # 2020年11月末現在 / 2026年12月1日現在
    fiscal_year: int
    blocks: tuple[BlockLine, ...]
    national: Figures
    years: tuple[FiscalYearLine, ...]
    trend: tuple[TrendPoint, ...]
    # When the files were made, in Japan time whatever the server's clock is set to.
    made_at: dt.datetime = field(compare=False, default_factory=lambda: timeutil.now_jst())
    issuer: str = field(compare=False, default_factory=lambda: get_settings().issuer)
    # Fiscal-year-end forecasts as of ``as_of`` per hub and (last) national.
    forecast: tuple[HubForecast, ...] = ()
    # 人材還流: the fiscal year's placements to date by origin area × hub.
    flows: FlowTable | None = None
    # How wrong the forecasts made on the same day of past years were (the 見通し's error).
    forecast_errors: ForecastRecord | None = None

    @property
    def prefectures(self) -> list[PrefectureLine]:
        return [line for block in self.blocks for line in block.prefectures]

    @property
    def file_stem(self) -> str:
        return f"{self.month}_月次報告"

    @property
    def made_label(self) -> str:
        """「2026-12-07 05:00（日本時間）」."""
        return f"{timeutil.to_jst(self.made_at):%Y-%m-%d %H:%M}（日本時間）"

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def fiscal_year_span(self) -> str:
        return counted_span(self.fiscal_year, self.as_of)

    @property
    def heading(self) -> PageHeading:
        """What every printed page of the workbook says at its top and foot."""
        return PageHeading(TITLE, self.as_of_label, self.issuer)


def _ranks(lines: list[tuple[HubComparisonRow, Figures]]) -> dict[str, int]:
    """Competition ranking by cumulative placements (1, 2, 2, 4 …)."""
    ordered = sorted(lines, key=lambda item: -item[1].placements)
    ranks: dict[str, int] = {}
    for index, (row, figures) in enumerate(ordered):
        if index and figures.placements == ordered[index - 1][1].placements:
            ranks[row.hub_code] = ranks[ordered[index - 1][0].hub_code]
        else:
            ranks[row.hub_code] = index + 1
    return ranks


def _years(session: Session, actor: Actor, as_of: dt.date) -> list[FiscalYearLine]:
    lines: list[FiscalYearLine] = []
    total_c = total_p = 0
    for fy in range(FIRST_FISCAL_YEAR, fiscal_year(as_of) + 1):
        since, until = fiscal_year_bounds(fy)
        counts = counts_by_hub(
            session, actor, AnalyticsFilter(since=since, until=min(until, as_of))
        ).values()
        consultations = sum(c.consultations for c in counts)
        placements = sum(c.placements for c in counts)
        total_c, total_p = total_c + consultations, total_p + placements
        if not (consultations or placements or lines):
            continue  # before the first record
        lines.append(
            FiscalYearLine(
                fy,
                fiscal_year_label(fy),
                counted_span(fy, as_of),
                consultations,
                placements,
                sum(c.side_job_placements for c in counts),
                sum(c.outside_placements for c in counts),
                total_c,
                total_p,
            )
        )
    return lines


def month_as_of(month: str, today: dt.date | None = None) -> tuple[dt.date, str]:
    """The last day a report for ``month`` counts, and its label."""
    today = today or today_jst()
    first = parse_month(month, "month")
    if first > today:
        raise CrmError(f"{first.year}年{first.month}月はまだ始まっていません（{month}）。")
    end = add_months(first, 1) - dt.timedelta(days=1)
    if end < today:
        return end, as_of_label(end, today)
    return today, f"{today.year}年{today.month}月{today.day}日現在"


def monthly_report(
    session: Session, actor: Actor, month: str, today: dt.date | None = None
) -> MonthlyReport:
    """The monthly report's figures for ``month`` (``YYYY-MM``) as the actor may read them."""
    today = today or today_jst()
    as_of, label = month_as_of(month, today)
    fy = fiscal_year(as_of)
    filters = AnalyticsFilter(since=fiscal_year_bounds(fy)[0], until=as_of)
    comparison = hub_comparison(session, actor, filters, today=today)
    blocks, national = [], Figures()
    for block in BLOCKS:
        rows = [(row, Figures.of(row)) for row in comparison.rows if row.block == block]
        if not rows:
            continue
        ranks = _ranks(rows)
        subtotal = Figures()
        lines = []
        for row, figures in rows:
            subtotal.add(figures)
            lines.append(
                PrefectureLine(
                    row.hub_code, row.hub_name, block, row.active, figures, ranks[row.hub_code]
                )
            )
        national.add(subtotal)
        blocks.append(BlockLine(block, tuple(lines), subtotal))
    trend = monthly_trend(session, actor, until=as_of)
    return MonthlyReport(
        month=month,
        as_of=as_of,
        as_of_label=label,
        fiscal_year=fy,
        blocks=tuple(blocks),
        national=national,
        years=tuple(_years(session, actor, as_of)),
        trend=tuple(trend),
        forecast=tuple(fiscal_year_forecast(session, actor, as_of)),
        flows=flow_table(session, actor, filters),
        forecast_errors=forecast_record(session, actor, as_of),
    )


# --- the chart --------------------------------------------------------------------------------


def japanese_font(style: str = "") -> Path:
    """A Japanese font file (Noto Sans CJK, Debian's fonts-noto-cjk): ``CRM_REPORT_FONT_DIR``,
    the usual folders, then fontconfig. CrmError saying what to install when there is none."""
    name = FONT_FILES[style]
    folders = [os.environ.get("CRM_REPORT_FONT_DIR", ""), *FONT_DIRS]
    for folder in folders:
        if folder and (Path(folder) / name).is_file():
            return Path(folder) / name
    if shutil.which("fc-match"):
        weight = ":weight=bold" if style == "B" else ""
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FONT_FAMILY}{weight}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if found.endswith(name):
            return Path(found)
    raise CrmError(
        "日本語フォント（Noto Sans CJK）が見つかりません。Debian/Ubuntu では "
        "`apt-get install fonts-noto-cjk` で入れるか、CRM_REPORT_FONT_DIR に "
        f"{name} のあるフォルダを指定してください。"
    )


@lru_cache(maxsize=1)
def _register_fonts(folder: str) -> None:
    import vl_convert

    vl_convert.register_font_directory(folder)


def chart_png(points: Iterable[TrendPoint], title: str = CHART_TITLE) -> bytes:
    """The dashboards' chart 「成約件数と相談件数の推移」 as a PNG, rendered without a browser."""
    import vl_convert

    # Imported here so that Altair loads only when a chart is drawn, not on every `crm` command.
    from crm.presentation.charts import cumulative_trend_chart

    _register_fonts(str(japanese_font().parent))
    frame = pd.DataFrame(
        [
            {
                "month": p.month,
                "cumulative_consultations": p.cumulative_consultations,
                "cumulative_contracts": p.cumulative_contracts,
            }
            for p in points
        ],
        columns=["month", "cumulative_consultations", "cumulative_contracts"],
    )
    chart = (
        cumulative_trend_chart(frame, title)
        .properties(width=900, height=380)
        .configure(font=FONT_FAMILY)
    )
    return vl_convert.vegalite_to_png(chart.to_dict(), scale=2)


# --- the workbook -----------------------------------------------------------------------------

PREFECTURE_COLUMNS = [
    ("地域ブロック", TEXT),
    ("都道府県コード", TEXT),
    ("都道府県", TEXT),
    ("年度 相談件数", COUNT),
    ("年度 成約件数", COUNT),
    ("年度 うち副業・兼業", COUNT),
    ("年度 県外からの人材", COUNT),
    ("累計 相談件数", COUNT),
    ("累計 成約件数", COUNT),
    ("累計 うち副業・兼業", COUNT),
    ("累計 県外からの人材", COUNT),
    ("ブロック内順位（累計成約）", NUMBER),
]
YEAR_COLUMNS = [
    ("年度", TEXT),
    ("集計期間", TEXT),
    ("相談件数", COUNT),
    ("成約件数", COUNT),
    ("うち副業・兼業", COUNT),
    ("県外からの人材", COUNT),
    ("累計 相談件数", COUNT),
    ("累計 成約件数", COUNT),
]
TREND_COLUMNS = [
    ("月", TEXT),
    ("相談件数", COUNT),
    ("成約件数", COUNT),
    ("累計 相談件数", COUNT),
    ("累計 成約件数", COUNT),
]


def _numbers(f: Figures) -> list[int]:
    return [
        f.fy_consultations,
        f.fy_placements,
        f.fy_side_jobs,
        f.fy_outside,
        f.consultations,
        f.placements,
        f.side_jobs,
        f.outside,
    ]


def prefecture_rows(report: MonthlyReport) -> list[list]:
    """The prefecture table with a subtotal after each block and the national total last."""
    rows: list[list] = []
    for block in report.blocks:
        for line in block.prefectures:
            name = line.name if line.active else f"{line.name}（休止）"
            rows.append(
                [block.block, line.hub_code, name, *_numbers(line.figures), line.block_rank]
            )
        rows.append([block.block, None, f"{block.block} 計", *_numbers(block.figures), None])
    rows.append(["全国", None, "全国 計", *_numbers(report.national), None])
    return rows


def year_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            y.label,
            y.span,
            y.consultations,
            y.placements,
            y.side_jobs,
            y.outside,
            y.cumulative_consultations,
            y.cumulative_placements,
        ]
        for y in report.years
    ]


FORECAST_COLUMNS = [
    ("拠点", TEXT),
    ("指標", TEXT),
    ("年度の実績（集計日まで）", COUNT),
    ("年度末の見込み", DECIMAL),
    ("見込みの幅 下限", DECIMAL),
    ("見込みの幅 上限（空欄: 上限なし）", DECIMAL),
    ("使った過去の年度数", COUNT),
    ("幅に入る確率（過去の傾向が続く場合）", TEXT),
    ("承認済み目標", COUNT),
    ("目標までの残り 月平均必要件数", DECIMAL),
    ("今年度これまでの月平均", DECIMAL),
    ("目標の見通し", TEXT),
]


def _forecast_row(code: str, names: dict[str, str], label: str, m: MeasureForecast) -> list:
    p = m.projection
    return [
        names.get(code, code),
        label,
        m.so_far,
        p.expected,
        p.low,
        p.high,
        len(p.median_years),
        f"{p.nominal_coverage:.0%}" if p.shares else "—",
        m.target,
        m.needed_pace,
        m.present_pace,
        m.outlook.label,
    ]


def forecast_rows(report: MonthlyReport) -> list[list]:
    """The 見通し sheet: consultations and placements per hub, then national."""
    names = {line.hub_code: f"{line.hub_code} {line.name}" for line in report.prefectures}
    names[NATIONAL] = NATIONAL
    return [
        _forecast_row(f.hub_code, names, label, m)
        for f in report.forecast
        for label, m in (("相談", f.consultations), ("成約", f.placements))
    ]


def _columns(spec: list[tuple[str, str]], fy: int | None = None) -> list[SheetColumn]:
    return [
        SheetColumn(header.replace("年度 ", f"{fiscal_year_label(fy)} ") if fy else header, kind)
        for header, kind in spec
    ]


def workbook_sheets(report: MonthlyReport, chart: bytes | None = None) -> list[Sheet]:
    summary: list[list[Any]] = [
        ["報告", TITLE],
        ["発行", report.issuer],
        ["対象月", report.month],
        ["集計", report.as_of_label],
        ["年度", report.fiscal_year_label],
        ["年度の集計期間", report.fiscal_year_span],
        ["累計 相談件数", report.national.consultations],
        ["累計 成約件数", report.national.placements],
        ["累計 うち副業・兼業", report.national.side_jobs],
        ["累計 県外からの人材", report.national.outside],
        ["作成日時", report.made_label],
        ["注", f"{RANK_NOTE}{OUTSIDE_NOTE}"],
    ]
    if report.forecast_errors is not None:
        record = report.forecast_errors
        for label, measure in (("相談", record.consultations), ("成約", record.placements)):
            summary.append(
                [f"見通しの誤差（{label}）", error_sentence(measure.errors, record.as_of)]
            )
    return [
        Sheet("概要", [SheetColumn("項目"), SheetColumn("内容", COUNT, wrap=True)], summary),
        Sheet(
            "都道府県別", _columns(PREFECTURE_COLUMNS, report.fiscal_year), prefecture_rows(report)
        ),
        Sheet("年度別", _columns(YEAR_COLUMNS), year_rows(report)),
        Sheet(
            "月別推移",
            _columns(TREND_COLUMNS),
            [
                [
                    p.month,
                    p.consultations,
                    p.contracts,
                    p.cumulative_consultations,
                    p.cumulative_contracts,
                ]
                for p in report.trend
            ],
        ),
        *([Sheet(CHART_SHEET, [], [], image=chart)] if chart is not None else []),
        Sheet("見通し", _columns(FORECAST_COLUMNS), forecast_rows(report)),
        *flow_sheets(report),
    ]


def flow_sheets(report: MonthlyReport) -> list[Sheet]:
    """人材還流: the fiscal year's placements to date per hub by where the hires lived before
    (不明 when not recorded, so each hub's 計 is its placements)."""
    if report.flows is None:
        return []
    header, rows = matrix(report.flows)
    columns = [SheetColumn(header[0], TEXT), *(SheetColumn(h, COUNT) for h in header[1:])]
    return [Sheet("人材還流", columns, rows)]


# --- the files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyFiles:
    report: MonthlyReport
    workbook: bytes
    pdf: bytes

    @property
    def workbook_name(self) -> str:
        return f"{self.report.file_stem}.xlsx"

    @property
    def pdf_name(self) -> str:
        return f"{self.report.file_stem}.pdf"

    def write_to(self, out_dir: Path) -> list[Path]:
        out_dir = private_dir(Path(out_dir))
        paths = [out_dir / self.workbook_name, out_dir / self.pdf_name]
        write_bytes(paths[0], self.workbook)  # owner-only, renamed into place when complete
        write_bytes(paths[1], self.pdf)
        return paths


def monthly_files(
    session: Session, actor: Actor, month: str, today: dt.date | None = None
) -> MonthlyFiles:
    """The report for ``month`` as ``YYYY-MM_月次報告.xlsx`` and ``.pdf`` (bytes)."""
    report = monthly_report(session, actor, month, today)
    # Imported here so that fpdf2 loads only when a report is made, not on every `crm` command.
    from crm.reports.monthly_pdf import report_pdf

    chart = chart_png(report.trend, f"{CHART_TITLE}（{report.as_of_label}）")
    buffer = io.BytesIO()
    write_workbook(workbook_sheets(report, chart), buffer, report.heading)
    return MonthlyFiles(report, buffer.getvalue(), report_pdf(report, chart))


def last_closed_month(today: dt.date | None = None) -> str:
    today = today or today_jst()
    previous = add_months(today.replace(day=1), -1)
    return f"{previous:%Y-%m}"


def months_offered(today: dt.date | None = None, count: int = 24) -> list[str]:
    """The month in progress and the ``count - 1`` before it, newest first."""
    today = today or today_jst()
    first = today.replace(day=1)
    return [f"{add_months(first, -back):%Y-%m}" for back in range(count)]
