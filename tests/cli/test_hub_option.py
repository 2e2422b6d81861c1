"""Every ``--hub`` is read by the one hub-code reader (``crm.validation.hub_code``, issue 23,
item 4): ``6`` is hub 06 for every command, and what is no prefecture code is refused with the
reason before the command runs."""

import csv
import io

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.cli import app
from crm.db import make_engine
from crm.models import Company
from crm.validation import hub_code

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine()
    yield engine
    engine.dispose()


def _commands(tmp_path) -> dict[str, list[str]]:
    firms = tmp_path / "companies.csv"
    firms.write_bytes("企業名,都道府県コード\r\n酒田商事株式会社,06\r\n".encode("utf-8-sig"))
    return {
        "report trend": ["report", "trend"],
        "export weekly": ["export", "weekly", "--out", str(tmp_path / "weekly")],
        "export full": ["export", "full", "--out", str(tmp_path / "full")],
        "import companies": ["import", "companies", str(firms), "--dry-run"],
        "import all": ["import", "all", str(tmp_path / "full"), "--dry-run"],
        "remind": ["remind", "--dry-run"],
        "users add": ["users", "add", "sakata", "--role", "hub_manager"],
    }


@pytest.mark.parametrize("typed", ["48", "0", "006", "yamagata", "山形"])
@pytest.mark.parametrize(
    "command",
    ["report trend", "export weekly", "export full", "import companies", "import all", "remind",
     "users add"],
)  # fmt: skip
def test_a_hub_that_is_no_prefecture_code_is_refused_by_every_command(
    database, tmp_path, command, typed
):
    result = runner.invoke(
        app, [*_commands(tmp_path)[command], "--hub", typed], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1, result.output
    with pytest.raises(ValueError) as reason:
        hub_code(typed)
    assert f"エラー: --hub: {reason.value}" in result.output
    assert "Traceback" not in result.output


def test_hub_6_is_hub_06_for_every_command(database, tmp_path):
    commands = _commands(tmp_path)
    added = runner.invoke(app, [*commands["users add"], "--hub", "6"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "拠点 06" in added.output

    imported = runner.invoke(app, ["import", "companies", commands["import companies"][2],
                                   "--hub", "６"])  # fmt: skip
    assert imported.exit_code == 0, imported.output
    with Session(database) as s:
        assert s.exec(select(Company.hub_code)).all() == ["06"]

    trend = runner.invoke(app, [*commands["report trend"], "--hub", "6"])
    assert trend.exit_code == 0, trend.output
    header = next(csv.reader(io.StringIO(trend.output)))
    assert header == ["年月", "累計相談件数", "累計成約件数"]

    full = runner.invoke(app, [*commands["export full"], "--hub", "6"])
    assert full.exit_code == 0, full.output
    [folder] = (tmp_path / "full").iterdir()
    assert folder.name.endswith("_hub06")
    firms = (folder / "companies.csv").read_text(encoding="utf-8-sig")
    assert "酒田商事株式会社" in firms  # hub 06's firm, not an empty export of a hub "6"

    remind = runner.invoke(app, [*commands["remind"], "--hub", "6"])
    assert remind.exit_code == 0, remind.output
