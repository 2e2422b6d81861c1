"""The ``crm`` command starts fast: ``import crm.cli`` (which every command, ``crm --help``
included, pays) loads none of the heavy libraries, and ``crm demo`` loads no charting or table
library. Each check runs in a fresh interpreter, because this test process has long since
imported everything."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What `import crm.cli` loaded before the commands imported their modules lazily: pandas alone
# took longer to import than the whole `crm --help` takes now.
HEAVY = ("pandas", "numpy", "altair", "streamlit", "openpyxl", "sqlalchemy", "pydantic")
# The demo load needs the database layer and numpy, never the pages' libraries.
NOT_FOR_THE_DEMO = ("pandas", "altair", "streamlit")

# Printed at exit, so a command that ends with sys.exit is measured after it ran.
PROBE = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print(json.dumps(sorted(\n"
    "    {{name.split('.')[0] for name in sys.modules}} & set({watch!r})))))\n"
)


def loaded(code: str, watch: tuple[str, ...], env: dict[str, str] | None = None) -> set[str]:
    """Which of ``watch`` a fresh interpreter has imported after running ``code``."""
    script = PROBE.format(watch=watch) + code
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def command(*args: str) -> str:
    """``crm ARGS`` as the installed script runs it (it ends with sys.exit: 0 on success)."""
    return f"from crm.cli import app\napp({list(args)!r})\n"


def test_the_probe_sees_an_import():
    # Without this, an empty answer below could mean the probe itself is broken.
    assert loaded("import pandas", HEAVY) >= {"pandas", "numpy"}


def test_importing_the_cli_loads_no_heavy_library():
    assert loaded("import crm.cli", HEAVY) == set()


def test_the_help_loads_no_heavy_library():
    assert loaded(command("--help"), HEAVY) == set()


def test_a_demo_load_loads_no_charting_or_table_library(tmp_path):
    env = {
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CRM_DEMO_PASSWORD": "a-long-enough-test-password-1",
    }
    assert loaded(command("db", "upgrade"), NOT_FOR_THE_DEMO, env) == set()
    # A small synthetic set runs the same loader as the demo history, in a second or two.
    seen = loaded(
        command("demo", "--consultations", "300"), NOT_FOR_THE_DEMO + ("sqlalchemy",), env
    )
    assert "sqlalchemy" in seen  # the load ran (it writes through SQLAlchemy)
    assert seen - {"sqlalchemy"} == set()


def test_the_seed_written_out_in_the_cli_is_the_demos():
    from crm.cli.demo import DEFAULT_SEED
    from crm.demo import DEFAULT_SEED as demo_default

    assert DEFAULT_SEED == demo_default
