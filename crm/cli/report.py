"""``crm report``: the dashboards' numbers as CSV or Excel, and the monthly report, from the
same queries."""

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm.cli.common import cli_errors, fail, hub_option, open_engine, operator_actor

if TYPE_CHECKING:
    from crm.analytics.comparison import HubComparison

app = typer.Typer(help="Reports: CSV, Excel workbooks, the monthly report.", no_args_is_help=True)

# As the API's ``codes=1``: the CSVs read in a spreadsheet by default (Japanese headers, labels
# for coded values, the words the pages use); ``--codes`` gives the column keys and codes a
# program reads.
_CODES = typer.Option(
    False, "--codes", help="Column keys and codes (for programs) instead of Japanese headers."
)
TREND_HEADERS = {"month": "年月", "consultations": "累計相談件数", "contracts": "累計成約件数"}


@app.command("trend")
def trend_command(
    hub: str | None = typer.Option(
        None, "--hub", callback=hub_option, help="Prefecture code, e.g. 06 (default: national)."
    ),
    codes: bool = _CODES,
) -> None:
    """Monthly cumulative consultations and contracts: 年月,累計相談件数,累計成約件数
    (with --codes: month,consultations,contracts).

    Example: crm report trend --hub 06
    """
    from sqlmodel import Session

    from crm.analytics.trend import monthly_trend

    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        points = monthly_trend(session, operator_actor(), hubs=[hub] if hub else None)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(list(TREND_HEADERS) if codes else list(TREND_HEADERS.values()))
    for point in points:
        writer.writerow([point.month, point.cumulative_consultations, point.cumulative_contracts])


HUB_COLUMNS = [
    "hub_code",
    "hub_name",
    "block",
    "since",
    "until",
    "consultations",
    "needs",
    "placements",
    "conversion",
    "cumulative_consultations",
    "cumulative_placements",
    "fiscal_year",
    "fy_consultations",
    "fy_placements",
    "target_status",
    "target_consultations",
    "target_placements",
    "expected_consultations",
    "expected_placements",
    "consultation_progress",
    "placement_progress",
    "behind",
    "side_job_placements",
    "outside_placements",
    "cumulative_side_job_placements",
    "cumulative_outside_placements",
]


def _decimal(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def hub_rows(comparison: "HubComparison") -> list[list]:
    """The comparison table as CSV rows (same order as HUB_COLUMNS)."""
    since = comparison.filters.since
    # The last day counted (today while the period's last month is in progress), as the
    # pages' 「…現在」 labels: never a month end that has not come yet.
    until = None if comparison.filters.until is None else comparison.as_of
    rows = []
    for row in comparison.rows:
        p = row.progress
        rows.append(
            [
                row.hub_code,
                row.hub_name,
                row.block,
                since.isoformat() if since else "",
                until.isoformat() if until else "",
                row.consultations,
                row.needs_opened,
                row.placements,
                _decimal(row.conversion, 4),
                row.cumulative_consultations,
                row.cumulative_placements,
                comparison.fiscal_year,
                p.consultations if p else "",
                p.placements if p else "",
                (p.target_status or "") if p else "",
                "" if p is None or p.target_consultations is None else p.target_consultations,
                "" if p is None or p.target_placements is None else p.target_placements,
                _decimal(p.expected_consultations if p else None, 1),
                _decimal(p.expected_placements if p else None, 1),
                _decimal(p.consultation_progress if p else None, 4),
                _decimal(p.placement_progress if p else None, 4),
                "" if p is None or not p.approved else int(p.behind),
                row.side_job_placements,
                row.outside_placements,
                row.cumulative_side_job_placements,
                row.cumulative_outside_placements,
            ]
        )
    return rows


@app.command("hubs")
def hubs_command(
    fy: int | None = typer.Option(None, "--fy", help="Fiscal year (April-March), e.g. 2020."),
    first: str | None = typer.Option(None, "--from", help="First month, YYYY-MM."),
    last: str | None = typer.Option(None, "--until", help="Last month, YYYY-MM."),
    block: list[str] = typer.Option([], "--block", help="Regional block, e.g. 東北 (repeatable)."),
    output_format: str = typer.Option("csv", "--format", help="csv (standard output) or xlsx."),
    out: Path | None = typer.Option(
        None, "--out", help="With --format xlsx: the workbook file (.xlsx) or a directory."
    ),
    codes: bool = _CODES,
) -> None:
    """Prefecture comparison: one row per active hub with consultations, needs and placements
    in the period, conversion, cumulative counts and progress against the fiscal year's targets.

    Default period: this fiscal year to date. Examples:
    crm report hubs --fy 2020 --format csv;
    crm report hubs --from 2016-01 --until 2020-11 --format csv;
    crm report hubs --fy 2020 --format xlsx --out reports/
    """
    from sqlmodel import Session

    from crm.analytics.comparison import default_period, hub_comparison
    from crm.analytics.filters import AnalyticsFilter
    from crm.csvio.xlsx import workbook_bytes
    from crm.files import private_dir, write_bytes
    from crm.reports.hubs import (
        HEADERS,
        hubs_csv_rows,
        hubs_heading,
        hubs_sheet,
        hubs_workbook_path,
    )
    from crm.targets import STATUS_LABELS

    if output_format not in ("csv", "xlsx"):
        fail(f"--format は csv または xlsx です（{output_format}）。")
    if output_format == "xlsx" and out is None:
        fail("--format xlsx には --out（.xlsx ファイルまたはフォルダ）が必要です。")
    if fy is not None and (first or last):
        fail("--fy と --from/--until は同時に指定できません。")
    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        if fy is not None:
            filters = AnalyticsFilter.for_fiscal_year(fy, blocks=block)
        elif first or last:
            filters = AnalyticsFilter.for_months(first, last, blocks=block)
        else:
            filters = default_period(blocks=block)
        comparison = hub_comparison(session, operator_actor(), filters)
    if output_format == "xlsx" and out is not None:
        until = None if comparison.filters.until is None else comparison.as_of
        path = hubs_workbook_path(out, comparison.filters.since, until)
        with cli_errors():  # owner-only, renamed into place when complete
            private_dir(path.parent)
            heading = hubs_heading(comparison.filters.since, until)
            sheet = hubs_sheet(HUB_COLUMNS, hub_rows(comparison), heading)
            write_bytes(path, workbook_bytes([sheet]))
        typer.echo(f"都道府県比較を出力しました: {path}（{len(comparison.rows)} 拠点）")
        return
    rows = hub_rows(comparison)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if codes:
        writer.writerow(HUB_COLUMNS)
    else:
        writer.writerow([HEADERS[key][0] for key in HUB_COLUMNS])
        status = HUB_COLUMNS.index("target_status")
        for row in rows:
            row[status] = STATUS_LABELS.get(row[status], row[status])
    writer.writerows(hubs_csv_rows(HUB_COLUMNS, rows))


@app.command("monthly")
def monthly_command(
    month: str = typer.Option(..., "--month", help="The month reported, YYYY-MM."),
    out: Path = typer.Option(..., "--out", help="Directory the two files are written into."),
) -> None:
    """The monthly report: OUT/YYYY-MM_月次報告.xlsx and OUT/YYYY-MM_月次報告.pdf, with the
    figures as of the month's end (as of today for the month in progress): per prefecture the
    fiscal year's and cumulative consultations and placements, うち副業・兼業, 県外からの人材,
    block subtotals, the national total and the rank within the block; the fiscal years; the
    chart 「成約件数と相談件数の推移」.

    Example: crm report monthly --month 2020-11 --out reports/
    """
    from sqlmodel import Session

    from crm.reports.monthly import monthly_files

    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        files = monthly_files(session, operator_actor(), month)
        paths = files.write_to(out)
    national = files.report.national
    typer.echo(
        f"{files.report.as_of_label}の月次報告を出力しました: 全国累計 相談 "
        f"{national.consultations:,} 件・成約 {national.placements:,} 件"
    )
    for path in paths:
        typer.echo(f"  {path}")


def _period_option(value: str | None, name: str, last: bool):
    """--from/--to: a day (YYYY-MM-DD) or a month (YYYY-MM: its first or last day)."""
    import calendar
    import datetime as dt

    from crm.analytics.filters import parse_month

    if value is None:
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    with cli_errors():
        first = parse_month(text, name)
        return first.replace(day=calendar.monthrange(first.year, first.month)[1]) if last else first


def _analytics_filter(hub: str | None, first: str | None, last: str | None):
    from crm.analytics.filters import AnalyticsFilter, requested_period

    with cli_errors():
        since, until = requested_period(
            _period_option(first, "from", last=False),
            _period_option(last, "to", last=True),
            names=("from", "to"),
        )
        return AnalyticsFilter(since=since, until=until, hubs=(hub,) if hub else ())


def _write_table(columns: dict, keys: list[str], rows: list[dict], codes: bool) -> None:
    """The rows as CSV on standard output: Japanese headers (or the keys with ``codes``), text
    through the spreadsheet neutraliser, rates as ratios to four places, days to one."""
    from crm.csvio.excel import neutralise

    def cell(key: str, value):
        if value is None:
            return ""
        if isinstance(value, float):
            return _decimal(value, 1 if key == "median_days" else 4)
        if isinstance(value, str):
            return neutralise(value)
        return value.isoformat() if hasattr(value, "isoformat") else value

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(keys if codes else [columns[key][0] for key in keys])
    for row in rows:
        writer.writerow([cell(key, row.get(key)) for key in keys])


FUNNEL_TABLES = [
    "steps",
    "events",
    "event_kinds",
    "introducers",
    "channels",
    "categories",
    "partners",
]


@app.command("funnel")
def funnel_command(
    hub: str | None = typer.Option(
        None, "--hub", callback=hub_option, help="Prefecture code, e.g. 06 (default: national)."
    ),
    first: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD) or month."),
    last: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD) or month."),
    by: str = typer.Option(
        "steps",
        "--by",
        help="Table: steps (the funnel), events, event_kinds, introducers, channels, "
        "categories, partners.",
    ),
    codes: bool = _CODES,
) -> None:
    """The funnel from seminars and introductions to placements (crm.analytics.funnel): each
    step's count, the rate from the previous step and the median days, or one of its tables by
    source, category or partner. Default period: the whole record.

    Example: crm report funnel --hub 06 --from 2024-04 --to 2025-03
    """
    from sqlmodel import Session

    from crm.analytics import funnel

    if by not in FUNNEL_TABLES:
        fail(f"--by は {', '.join(FUNNEL_TABLES)} のいずれかです（{by}）。")
    filters = _analytics_filter(hub, first, last)
    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        found = funnel.funnel(session, operator_actor(hub), filters)
    _write_table(
        funnel.COLUMNS,
        funnel.table_columns(by, codes),
        funnel.table_rows(found, by),
        codes,
    )


@app.command("partners")
def partners_command(
    hub: str | None = typer.Option(
        None, "--hub", callback=hub_option, help="Prefecture code, e.g. 06 (default: national)."
    ),
    first: str | None = typer.Option(None, "--from", help="First day (YYYY-MM-DD) or month."),
    last: str | None = typer.Option(None, "--to", help="Last day (YYYY-MM-DD) or month."),
    by: str = typer.Option("total", "--by", help="total, category or engagement."),
    codes: bool = _CODES,
) -> None:
    """The partner table (crm.analytics.partner_table): per partner, the referrals received in
    the period, those whose first report came within 7 days, placements, conversion and the
    median days from referral to placement; --by category or engagement for the breakdown.

    Example: crm report partners --from 2024-04 --to 2025-03 --by category
    """
    from sqlmodel import Session

    from crm.analytics import partner_table

    if by not in partner_table.BREAKDOWNS:
        fail(f"--by は {', '.join(partner_table.BREAKDOWNS)} のいずれかです（{by}）。")
    filters = _analytics_filter(hub, first, last)
    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        table = partner_table.partner_table(session, operator_actor(hub), filters)
    _write_table(
        partner_table.COLUMNS,
        partner_table.table_columns(by, codes),
        partner_table.table_rows(table, by),
        codes,
    )
