"""``crm report``: the dashboards' numbers as CSV, from the same queries."""

import csv
import sys

import typer
from sqlmodel import Session

from crm.analytics.trend import monthly_trend
from crm.cli.common import cli_errors, open_engine, operator_actor

app = typer.Typer(help="Reports printed as CSV.", no_args_is_help=True)


@app.command("trend")
def trend_command(
    hub: str | None = typer.Option(None, "--hub", help="Prefecture code, e.g. 06 (default: national)."),
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
