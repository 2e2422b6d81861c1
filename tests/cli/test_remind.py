"""`crm remind` against a real SMTP server (aiosmtpd) started by the test."""

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.actor import SYSTEM, actor_for
from crm.cli import app
from crm.models import AuditLog
from crm.services import followups, users
from tests.utils.factories import make_company, make_consultation

runner = CliRunner()
TODAY = dt.date(2026, 11, 25)  # Wednesday; the week ends on Sunday 11/29


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CRM_SMTP_PORT", str(port))
    monkeypatch.setenv("CRM_SMTP_STARTTLS", "0")
    monkeypatch.setenv("CRM_MAIL_FROM", "crm@example.jp")
    monkeypatch.setenv("CRM_APP_URL", "https://crm.example.jp")
    yield inbox
    controller.stop()


@pytest.fixture
def hubs(engine, monkeypatch):
    """Hub 06's manager has two items due; hub 04's has nothing due; hub 05's has no e-mail."""
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with Session(engine, expire_on_commit=False) as s:

        def manager(username, hub, address):
            return actor_for(
                users.create_user(
                    s,
                    SYSTEM,
                    username=username,
                    role="hub_manager",
                    hub_code=hub,
                    display_name=f"{username} 太郎",
                    email=address,
                )
            )

        yamagata = manager("yamagata", "06", "yamagata@example.jp")
        miyagi = manager("miyagi", "04", "miyagi@example.jp")
        akita = manager("akita", "05", None)
        firm = make_company(s, yamagata, name="鶴岡金型株式会社")
        followups.schedule_follow_up(
            s,
            yamagata,
            {"company_id": firm.id, "due_on": dt.date(2026, 11, 18), "notes": "入社3か月の面談"},
        )
        make_consultation(
            s,
            yamagata,
            firm,
            on=dt.date(2026, 11, 10),
            next_action="求人票を確認",
            next_action_on=dt.date(2026, 11, 27),
        )
        # Not due: hub 04's follow-up is next month; done ones never count.
        quiet = make_company(s, miyagi, name="仙台精機株式会社")
        followups.schedule_follow_up(
            s, miyagi, {"company_id": quiet.id, "due_on": dt.date(2026, 12, 20)}
        )
        other = make_company(s, akita, name="秋田木工株式会社")
        followups.schedule_follow_up(s, akita, {"company_id": other.id, "due_on": TODAY})
        s.commit()
    return engine


def _remind(*args):
    return runner.invoke(app, ["remind", "--date", TODAY.isoformat(), *args])


def test_a_digest_arrives_for_the_manager_with_items_and_none_for_the_others(smtp_server, hubs):
    result = _remind()
    assert result.exit_code == 0, result.output
    assert "送信 1通・対象なし 1人・メールアドレス未登録 1人（akita）" in result.output

    assert smtp_server.recipients == [["yamagata@example.jp"]]
    [message] = smtp_server.messages
    assert message["To"] == "yamagata@example.jp"
    assert message["From"] == "crm@example.jp"
    assert (
        message["Subject"] == "【今日やること】山形県拠点 期限超過1件・今週1件（2026/11/25（水））"
    )
    body = message.get_content()
    assert "yamagata 太郎 様" in body
    overdue = "・2026/11/18（水）　7日超過　フォローアップ　鶴岡金型株式会社 — 入社3か月の面談"
    assert f"■ 期限超過（1件）\n{overdue}" in body
    upcoming = "・2026/11/27（金）　あと2日　次のアクション　鶴岡金型株式会社 — 求人票を確認"
    assert f"■ 今週（1件）\n{upcoming}" in body
    assert "https://crm.example.jp/followups?company=" in body
    assert "仙台精機" not in body and "秋田木工" not in body

    with Session(hubs) as s:
        audited = s.exec(select(AuditLog).where(AuditLog.action == "remind")).all()
    assert [(a.hub_code, a.entity) for a in audited] == [("06", "user_account")]
    assert "yamagata@example.jp" in audited[0].detail


def test_dry_run_sends_nothing_and_audits_nothing(smtp_server, hubs):
    result = _remind("--dry-run")
    assert result.exit_code == 0, result.output
    assert "宛先: yamagata <yamagata@example.jp>" in result.output
    assert "件名: 【今日やること】山形県拠点 期限超過1件・今週1件" in result.output
    assert "送信予定（--dry-run: 送信していません） 1通" in result.output
    assert smtp_server.messages == []
    with Session(hubs) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "remind")).all() == []


def test_one_hub_only_and_nothing_due_sends_nothing(smtp_server, hubs):
    result = _remind("--hub", "04")
    assert result.exit_code == 0, result.output
    assert "送信 0通・対象なし 1人" in result.output
    assert smtp_server.messages == []


def test_without_an_smtp_server_the_error_is_one_line(hubs, monkeypatch):
    monkeypatch.delenv("CRM_SMTP_HOST", raising=False)
    monkeypatch.setenv("CRM_MAIL_FROM", "crm@example.jp")
    result = _remind()
    assert result.exit_code == 1
    assert "エラー: CRM_SMTP_HOST が設定されていません" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("CRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CRM_SMTP_PORT", str(_free_port()))  # nobody listens there
    monkeypatch.setenv("CRM_SMTP_STARTTLS", "0")
    result = _remind()
    assert result.exit_code == 1
    assert "エラー: メールサーバー 127.0.0.1:" in result.output
