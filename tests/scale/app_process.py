"""One app process for tests/scale/test_two_processes.py: the real entry script and pages
under streamlit.testing AppTest, driven by JSON lines on stdin, answering on stdout.

Run as its own OS process, it has its own engine, its own st.cache_data and its own sessions,
as one ``streamlit run`` behind a reverse proxy would. Commands:

  {"op": "open", "name": "n", "username": "u", "page": "pages/national.py"}  -> a new session
  {"op": "rerun", "name": "n"}       -> the same session runs its script again (a refresh)
  {"op": "log", "name": "n", "company_id": 1, "summary": "..."}  -> submit 相談記録's form
  {"op": "quit"}
Each answer is one line: ``@@`` + JSON with the pid, metrics, captions and exceptions.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from crm.actor import actor_for  # noqa: E402
from crm.db import make_engine  # noqa: E402
from crm.services import users  # noqa: E402
from ui.headless import run_entry_script_every_run  # noqa: E402

run_entry_script_every_run()  # as a server does (see ui.headless)
SESSIONS: dict[str, AppTest] = {}


def actor_named(username: str):
    engine = make_engine()
    try:
        with Session(engine) as session:
            return actor_for(users.get_user(session, username))
    finally:
        engine.dispose()


def state(at: AppTest) -> dict:
    return {
        "pid": os.getpid(),
        "exceptions": [e.value for e in at.exception],
        "errors": [e.value for e in at.error],
        "metrics": {m.label: m.value for m in at.metric},
        "captions": [c.value for c in at.caption],
    }


def handle(command: dict) -> dict:
    op = command["op"]
    if op == "open":
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
        at.session_state["actor"] = actor_named(command["username"])
        at.run()
        at.switch_page(command["page"])
        at.run()
        SESSIONS[command["name"]] = at
        return state(at)
    at = SESSIONS[command["name"]]
    if op == "rerun":
        return state(at.run())
    if op == "log":
        at.selectbox(key="consult.company_id").select(command["company_id"])
        at.selectbox(key="consult.channel").select("visit")
        at.text_area(key="consult.summary").input(command["summary"])
        next(b for b in at.button if b.label == "相談を記録").click()
        return state(at.run())
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        try:
            answer = handle(command)
        except Exception as error:  # reported to the test, which fails with it
            answer = {"pid": os.getpid(), "failure": f"{type(error).__name__}: {error}"}
        sys.stdout.write("@@" + json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
