"""Benchmark: a hub manager's pages at 1M consultations (firm list and search, firm timeline,
needs board), rendered by the real app under streamlit.testing AppTest.

The manager is the demo account of the hub with the most consultations; the firm is that hub's
firm with the most consultations (the longest timeline). Each page runs in its own fresh
process: first with an empty cache (what the first visitor after a write waits for), then a
rerun served from the cache; median of --repeat. Memory is the process's peak RSS.

    .venv/bin/python -m bench.hub_pages                 # 1M consultations, SQLite
    .venv/bin/python -m bench.hub_pages --size 100000 --postgres
"""

import argparse
import json
import os
import statistics
import sys
import time

from bench import datasets
from bench.report import markdown_table, write_section

SEARCH = "設計"  # part of many firm names (…設計株式会社)
SCENARIOS = {
    "directory": "firm list (企業, first page of the hub's firms)",
    "search": f"firm list, search 「{SEARCH}」",
    "timeline": "firm page with its timeline (?company=ID)",
    "needs": "needs board (人材ニーズ)",
}


def pick(url: str) -> dict:
    """The busiest hub, its manager's account and its firm with the most consultations."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from crm.db import make_engine
    from crm.models import Company, Consultation, TalentNeed, UserAccount

    engine = make_engine(url)
    with Session(engine) as session:
        hub, consultations = session.execute(
            select(Consultation.hub_code, func.count())
            .group_by(Consultation.hub_code)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        company, timeline = session.execute(
            select(Consultation.company_id, func.count())
            .where(Consultation.hub_code == hub)
            .group_by(Consultation.company_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        username = (
            session.execute(
                select(UserAccount.username)
                .where(UserAccount.role == "hub_manager", UserAccount.hub_code == hub)
                .order_by(UserAccount.id)
            )
            .scalars()
            .first()
        )
        firms = session.execute(
            select(func.count()).select_from(Company).where(Company.hub_code == hub)
        ).scalar_one()
        needs = session.execute(
            select(func.count()).select_from(TalentNeed).where(TalentNeed.hub_code == hub)
        ).scalar_one()
    engine.dispose()
    return {
        "hub": hub,
        "username": username,
        "company": company,
        "hub_consultations": consultations,
        "firm_consultations": timeline,
        "firms": firms,
        "needs": needs,
    }


def measure(scenario: str, url: str, username: str, company: int, repeat: int) -> dict:
    os.environ["CRM_DATABASE_URL"] = url
    os.environ["CRM_DEMO_ON_EMPTY"] = "0"
    import resource

    import streamlit as st
    from sqlmodel import Session
    from streamlit.testing.v1 import AppTest

    from crm.actor import actor_for
    from crm.db import make_engine
    from crm.services import users
    from ui.headless import run_entry_script_every_run

    run_entry_script_every_run()  # as a server does
    engine = make_engine(url)
    with Session(engine) as session:
        actor = actor_for(users.get_user(session, username))
    engine.dispose()
    at = AppTest.from_file(str(datasets.ROOT / "streamlit_app.py"), default_timeout=900)
    at.session_state["actor"] = actor
    at.run()  # the manager's first page (the hub dashboard), before the timing
    page = "pages/needs.py" if scenario == "needs" else "pages/companies.py"
    at.switch_page(page)
    if scenario == "timeline":
        at.query_params["company"] = str(company)

    def render() -> None:
        if scenario == "search" and at.text_input:
            at.text_input(key="companies.query").input(SEARCH)
        at.run()
        if at.exception or at.error:
            raise RuntimeError([e.value for e in [*at.exception, *at.error]])

    render()  # once untimed: the page's modules are imported in a running server
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        began = time.perf_counter()
        render()
        cold.append(time.perf_counter() - began)
        began = time.perf_counter()
        render()
        warm.append(time.perf_counter() - began)
    shown = {
        "links": len(at.get("page_link")),
        "dataframes": len(at.dataframe),
        "metrics": {m.label: m.value for m in at.metric},
        "markdown": sum(1 for m in at.markdown),
    }
    return {
        "cold": cold,
        "warm": warm,
        "baseline_mib": baseline,
        "shown": shown,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--measure", choices=list(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--username", help=argparse.SUPPRESS)
    parser.add_argument("--company", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(
            json.dumps(
                measure(
                    options.measure, options.url, options.username, options.company, options.repeat
                ),
                ensure_ascii=False,
            )
        )
        return

    url = datasets.ensure(options.size, options.postgres)
    chosen = pick(url)
    load_start = os.getloadavg()[0]
    rows = []
    for scenario, label in SCENARIOS.items():
        print(f"{scenario}…", file=sys.stderr, flush=True)
        done = datasets.run_with_rss(
            [
                sys.executable,
                "-m",
                "bench.hub_pages",
                "--measure",
                scenario,
                "--url",
                url,
                "--username",
                chosen["username"],
                "--company",
                str(chosen["company"]),
                "--repeat",
                str(options.repeat),
            ],
            label=scenario,
        )
        result = json.loads(
            next(line for line in reversed(done["stdout"].splitlines()) if line.startswith("{"))
        )
        rows.append(
            [
                label,
                _fmt(statistics.median(result["cold"])),
                _fmt(result["cold"][0]),
                _fmt(statistics.median(result["warm"])),
                f"{done['rss_mib']:,.0f}",
                f"{done['rss_mib'] - result['baseline_mib']:,.0f}",
            ]
        )
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "page",
            "empty cache (median)",
            "empty cache (first)",
            "cached rerun (median)",
            "peak RSS (MiB)",
            "RSS growth (MiB)",
        ],
        rows,
    )
    body = (
        f"Database: {backend}, {options.size:,} consultations (`crm demo --consultations "
        f"{options.size} --seed 1`). Signed in as `{chosen['username']}`, manager of hub "
        f"{chosen['hub']}: {chosen['hub_consultations']:,} consultations, {chosen['firms']:,} "
        f"firms, {chosen['needs']:,} needs; the firm page shows firm {chosen['company']} with "
        f"{chosen['firm_consultations']} consultations and its needs, referrals, placements and "
        f"follow-ups.\n\nEach page runs in its own fresh process under AppTest (entry script + "
        f"page), {options.repeat} times with the cache cleared, each followed by a cached rerun. "
        f"*RSS growth* is the peak minus the process's size before the first timed run.\n\n"
        f"{table}\n\nLoad average (1 min) at start {load_start:.1f}, at end "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other work on the machine "
        f"inflates the times).\n"
    )
    command = "python -m bench.hub_pages" + (" --postgres" if options.postgres else "")
    if options.size != 1_000_000:
        command += f" --size {options.size}"
    if options.repeat != 3:
        command += f" --repeat {options.repeat}"
    name = "hub_pages" + ("_postgres" if options.postgres else "")
    write_section(
        name, f"Hub manager's pages at {options.size:,} consultations ({backend})", command, body
    )


if __name__ == "__main__":
    main()
