"""Two app processes on one database (as behind a reverse proxy): a consultation saved in one
process's page shows on the other process's dashboards at their next run, without a restart,
although that process serves them from its own cache.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlmodel import Session

from crm.models import Consultation
from crm.timeutil import today_jst
from tests.utils.factories import make_actors, make_company, make_consultation

SCRIPT = Path(__file__).with_name("app_process.py")


class AppProcess:
    """A separate Python process running the app's pages (see app_process.py)."""

    def __init__(self, url: str):
        env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def send(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("@@"):
                answer = json.loads(line[2:])
                assert "failure" not in answer, answer["failure"]
                assert answer["exceptions"] == [], answer["exceptions"]
                return answer
        raise AssertionError(f"app process ended (exit code {self.process.wait()})")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write('{"op": "quit"}\n')
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def test_write_in_one_process_shows_on_the_others_dashboards(any_engine):
    today = today_jst()
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        company = make_company(session, actors.manager01, name="山形精密株式会社")
        for _ in range(3):
            make_consultation(session, actors.manager01, company, on=today)
        session.commit()
    url = any_engine.url.render_as_string(hide_password=False)
    a, b = AppProcess(url), AppProcess(url)
    try:
        national = a.send(
            op="open", name="national", username="secretariat", page="pages/national.py"
        )
        hub = a.send(op="open", name="hub", username="manager01", page="pages/hub_dashboard.py")
        assert national["metrics"]["相談件数"] == "3"
        assert hub["metrics"]["相談件数"] == "3"

        # Process A really serves these numbers from its own cache: a row slipped in without
        # the services (so without raising the data version) does not show.
        with Session(any_engine) as session:
            session.execute(
                insert(Consultation).values(
                    hub_code="01",
                    company_id=company.id,
                    consulted_on=today,
                    channel="visit",
                    summary="サービスを通らない行",
                    created_at=dt.datetime.now(dt.UTC),
                    updated_at=dt.datetime.now(dt.UTC),
                    version=1,
                )
            )
            session.commit()
        assert a.send(op="rerun", name="national")["metrics"]["相談件数"] == "3"

        # Process B: the hub manager saves a consultation through the 相談記録 page.
        entry = b.send(op="open", name="entry", username="manager01", page="pages/consultations.py")
        saved = b.send(
            op="log", name="entry", company_id=company.id, summary="別プロセスからの相談記録"
        )
        assert saved["errors"] == []
        assert saved["pid"] == entry["pid"] != national["pid"]

        # Process A, same sessions, no restart: both dashboards count B's write (and, now
        # that the cache key moved on, the slipped-in row too).
        national_after = a.send(op="rerun", name="national")
        hub_after = a.send(op="rerun", name="hub")
        assert national_after["pid"] == hub_after["pid"] == national["pid"]
        assert a.process.poll() is None
        assert national_after["metrics"]["相談件数"] == "5"
        assert hub_after["metrics"]["相談件数"] == "5"
    finally:
        a.close()
        b.close()
    with Session(any_engine) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(Consultation)
                .where(Consultation.summary == "別プロセスからの相談記録")
            ).scalar_one()
            == 1
        )
