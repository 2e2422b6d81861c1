"""`crm serve` on an empty database: migrated and the demo loaded before the server starts,
then one block on the terminal saying where the app is and how to sign in."""

import functools

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

import crm.demo
from crm.cli import app
from crm.cli.serve import prepare_database
from crm.db import make_engine
from crm.demo import load_synthetic
from crm.models import Consultation

runner = CliRunner()
PASSWORD = "first-start-password"


@pytest.fixture
def empty_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    monkeypatch.setenv("CRM_DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("HOME", str(tmp_path))  # the credentials file goes beside the database
    # A small synthetic history stands in for the demo's ten years (same loader, same summary).
    monkeypatch.setattr(crm.demo, "load_demo", functools.partial(load_synthetic, consultations=60))
    return url


@pytest.fixture
def started(monkeypatch):
    """uvicorn.run replaced: what it was asked to serve."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: calls.append(options))
    return calls


def _consultations(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(Consultation)).scalar_one()
    finally:
        engine.dispose()


def test_serve_loads_the_demo_first_and_says_how_to_sign_in(empty_url, started):
    result = runner.invoke(app, ["serve", "--port", "8642"])
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and started[0]["port"] == 8642
    loaded = _consultations(empty_url)
    assert loaded > 0  # before the server was started: the first visit waits for nothing
    out = result.stdout
    assert "  アドレス: http://127.0.0.1:8642/" in out
    assert f"相談 {loaded:,} 件" in out
    assert "  管理者: admin" in out and "  全国事務局: secretariat" in out
    assert out.count(f"パスワード（全アカウント共通）: {PASSWORD}") == 1  # once, clearly
    # Progress went to standard error, the sign-in block to standard output, between rules.
    assert "データベースが空のため" in result.stderr and "デモデータ" not in out.split("─")[0]

    # A second start: the database holds records, nothing is loaded, the address is shown.
    again = runner.invoke(app, ["serve", "--port", "8642"])
    assert again.exit_code == 0, again.output
    assert _consultations(empty_url) == loaded
    assert "アドレス: http://127.0.0.1:8642/" in again.stdout
    assert PASSWORD not in again.stdout and "デモデータ" not in again.stdout


def test_the_password_is_not_printed_beside_an_address_others_reach(empty_url, started):
    result = runner.invoke(app, ["serve", "--address", "0.0.0.0", "--port", "8642"])
    assert result.exit_code == 0, result.output
    assert "アドレス: http://0.0.0.0:8642/" in result.stdout
    assert PASSWORD not in result.output
    assert "を参照（所有者のみ読み取り可）" in result.stdout


def test_without_demo_on_empty_the_database_is_only_migrated(empty_url, monkeypatch):
    monkeypatch.setenv("CRM_DEMO_ON_EMPTY", "0")
    from crm.config import get_settings

    assert prepare_database(get_settings().demo_on_empty) is None
    assert _consultations(empty_url) == 0  # the tables exist (migrated), and are empty
