"""``crm report``: the dashboards' numbers as CSV, from the same queries."""

import csv
import sys

import typer
from sqlmodel import Session

from crm.analytics.comparison import HubComparison, default_period, hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.trend import monthly_trend
from crm.cli.common import cli_errors, fail, open_engine, operator_actor

app = typer.Typer(help="Reports printed as CSV.", no_args_is_help=True)


@app.command("trend")
def trend_command(
    hub: str | None = typer.Option(
        None, "--hub", help="Prefecture code, e.g. 06 (default: national)."
    ),
) -> None:
    """Monthly cumulative consultations and contracts: month,consultations,contracts.

    Example: crm report trend --hub 06
    """
    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        points = monthly_trend(session, operator_actor(), hubs=[hub] if hub else None)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["month", "consultations", "contracts"])
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
]


def _decimal(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def hub_rows(comparison: HubComparison) -> list[list]:
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
            ]
        )
    return rows


@app.command("hubs")
def hubs_command(
    fy: int | None = typer.Option(None, "--fy", help="Fiscal year (April-March), e.g. 2020."),
    first: str | None = typer.Option(None, "--from", help="First month, YYYY-MM."),
    last: str | None = typer.Option(None, "--until", help="Last month, YYYY-MM."),
    block: list[str] = typer.Option([], "--block", help="Regional block, e.g. 東北 (repeatable)."),
    output_format: str = typer.Option("csv", "--format", help="Output format (csv)."),
) -> None:
    """Prefecture comparison: one row per active hub with consultations, needs and placements
    in the period, conversion, cumulative counts and progress against the fiscal year's targets.

    Default period: this fiscal year to date. Examples:
    crm report hubs --fy 2020 --format csv;
    crm report hubs --from 2016-01 --until 2020-11 --format csv
    """
    if output_format != "csv":
        fail(f"--format は csv だけに対応しています（{output_format}）。")
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
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(HUB_COLUMNS)
    writer.writerows(hub_rows(comparison))
