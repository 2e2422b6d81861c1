"""`crm remind` reads addresses with the check accounts are made with (issue 23, item 4): an
address stored before that check, or one the mail server refuses, is reported and skipped, and
the managers after it still get their mail."""

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.actor import SYSTEM, actor_for
from crm.cli import app
from crm.models import AuditLog, UserAccount
from crm.services import followups, users
from tests.cli.test_remind import Inbox, _free_port
from tests.utils.factories import make_company

runner = CliRunner()
TODAY = dt.date(2026, 11, 25)
# What accounts stored before the check may hold; each stopped `crm remind` for everyone after.
STORED_BEFORE = {
    "aomori": "<aomori@example.jp>",
    "iwate": "岩手@example.jp",
    "miyagi": "宮城 太郎 <miyagi@example.jp>",
    "akita": "akita@example.jp, akita2@example.jp",
}
REFUSED_BY_SERVER = "gone@example.jp"


class RefusingInbox(Inbox):
    """Refuses one recipient (a mailbox that no longer exists), as a real server does."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == REFUSED_BY_SERVER:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch):
    inbox = RefusingInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CRM_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CRM_SMTP_PORT", str(port))
    monkeypatch.setenv("CRM_SMTP_STARTTLS", "0")
    monkeypatch.setenv("CRM_MAIL_FROM", "crm@example.jp")
    yield inbox
    controller.stop()


@pytest.fixture
def managers(engine, monkeypatch):
    """Hubs 02–05 hold the stored-before addresses, hub 06 an address the server refuses, hub
    07 a good one (last in the order remind goes through); each has one follow-up due."""
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    hubs = {"aomori": "02", "iwate": "03", "miyagi": "04", "akita": "05"}
    with Session(engine, expire_on_commit=False) as s:
        for username, hub in (*hubs.items(), ("yamagata", "06"), ("fukushima", "07")):
            address = {"yamagata": REFUSED_BY_SERVER, "fukushima": "fukushima@example.jp"}.get(
                username
            )
            actor = actor_for(
                users.create_user(
                    s, SYSTEM, username=username, role="hub_manager", hub_code=hub, email=address
                )
            )
            firm = make_company(s, actor, name=f"{username}商事株式会社")
            followups.schedule_follow_up(s, actor, {"company_id": firm.id, "due_on": TODAY})
        for username, address in STORED_BEFORE.items():  # as an earlier version let them in
            s.execute(
                update(UserAccount).where(UserAccount.username == username).values(email=address)
            )
        s.commit()
    return engine


def _remind(*args):
    return runner.invoke(app, ["remind", "--date", TODAY.isoformat(), *args])


def test_unusable_addresses_are_reported_and_the_managers_after_them_get_their_mail(
    inbox, managers
):
    result = _remind()
    assert result.exit_code == 0, result.output
    assert inbox.recipients == [["fukushima@example.jp"]]
    for username, address in STORED_BEFORE.items():
        assert f"送信しませんでした: {username}（{address}）: " in result.output
    assert (
        "送信しませんでした: yamagata（gone@example.jp）: メールサーバーが宛先を" in result.output
    )
    assert "550" in result.output
    assert "送信 1通・対象なし 0人・送信できないアドレス 5人" in result.output
    assert "Traceback" not in result.output
    with Session(managers) as s:
        sent = s.exec(select(AuditLog.detail).where(AuditLog.action == "remind")).all()
    assert len(sent) == 1 and "fukushima@example.jp" in sent[0]


def test_each_reason_names_what_is_wrong(inbox, managers):
    output = _remind("--dry-run").output
    reasons = {
        username: line.split(f"{address}）: ", 1)[1]
        for line in output.splitlines()
        for username, address in STORED_BEFORE.items()
        if line.startswith(f"送信しませんでした: {username}（")
    }
    assert "< >" in reasons["aomori"]
    assert "@ より前" in reasons["iwate"]
    assert "< >" in reasons["miyagi"]  # a display name comes with angle brackets
    assert "1件だけ" in reasons["akita"]
    assert "宛先: fukushima <fukushima@example.jp>" in output
    assert "宛先: yamagata <gone@example.jp>" in output  # the server's refusal comes at sending
    assert inbox.recipients == []


def test_a_hub_code_is_read_as_everywhere(inbox, managers):
    result = _remind("--hub", "7", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "宛先: fukushima <fukushima@example.jp>" in result.output
    refused = _remind("--hub", "48")
    assert refused.exit_code == 1
    assert "拠点コードは都道府県コード 01〜47 です（入力: 48）" in refused.output
