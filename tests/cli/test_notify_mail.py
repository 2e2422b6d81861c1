"""お知らせ by e-mail through a real SMTP server (aiosmtpd) (issue 25, item 4): each person's
choice per kind (none, at once, in the morning digest), sent once, never to a disabled
account, nothing written before the choice."""

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.actor import SYSTEM, actor_for
from crm.cli import app
from crm.errors import ValidationError
from crm.models import AuditLog, Notification
from crm.services import assignments, comments, notifications, users
from tests.cli.test_remind import smtp_server  # noqa: F401 - the fixture
from tests.utils.factories import make_actors, make_company

runner = CliRunner()


@pytest.fixture
def team(engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with Session(engine, expire_on_commit=False) as s:
        actors = make_actors(s)
        sato = actor_for(
            users.create_user(
                s, SYSTEM, username="sato01", role="hub_manager", hub_code="01",
                display_name="佐藤 一郎", email="sato@example.jp",
            )
        )  # fmt: skip
        firm = make_company(s, actors.manager01, name="メール確認工業株式会社")
        s.commit()
    return engine, actors, sato, firm


def _mention(engine, actors, firm, text):
    with Session(engine) as s:
        comments.post_comment(s, actors.manager01, "company", firm.id, text)
        s.commit()


def test_mentions_go_at_once_and_only_once(team, smtp_server):  # noqa: F811
    engine, actors, sato, firm = team
    _mention(engine, actors, firm, "@sato01 選ぶ前のお知らせ")  # before the choice: app only
    with Session(engine) as s:
        notifications.set_mail_preference(s, sato, "mention", "now")
        s.commit()
    _mention(engine, actors, firm, "@sato01 見積もりを確認してください")
    result = runner.invoke(app, ["notify"])
    assert result.exit_code == 0, result.output
    assert "送信 1通" in result.output
    [message] = smtp_server.messages
    assert smtp_server.recipients == [["sato@example.jp"]]
    assert message["Subject"].startswith("【お知らせ】")
    body = message.get_content()
    assert "見積もりを確認してください" in body and "選ぶ前" not in body
    assert "https://crm.example.jp/companies?company=" in body
    again = runner.invoke(app, ["notify"])
    assert "送信 0通" in again.output and len(smtp_server.messages) == 1
    with Session(engine) as s:  # the app's inbox has both, mailed or not
        assert notifications.unread_count(s, sato) == 2


def test_the_digest_gathers_a_persons_notifications(team, smtp_server):  # noqa: F811
    engine, actors, sato, firm = team
    with Session(engine) as s:
        for kind in ("mention", "assigned"):
            notifications.set_mail_preference(s, sato, kind, "digest")
        s.commit()
    _mention(engine, actors, firm, "@sato01 来週の件")
    with Session(engine) as s:
        assignments.assign(s, actors.manager01, "company", [firm.id], sato.user_id)
        s.commit()
    assert "送信 0通" in runner.invoke(app, ["notify"]).output  # not now: in the digest
    result = runner.invoke(app, ["notify", "--digest"])
    assert "送信 1通" in result.output, result.output
    [message] = smtp_server.messages
    assert message["Subject"] == "【お知らせのまとめ】2件"
    body = message.get_content()
    assert "【メンション】" in body and "【担当の割り当て】" in body


def test_nothing_to_a_disabled_account(team, smtp_server):  # noqa: F811
    engine, actors, sato, firm = team
    with Session(engine) as s:
        notifications.set_mail_preference(s, sato, "mention", "now")
        s.commit()
    _mention(engine, actors, firm, "@sato01 至急")
    with Session(engine) as s:
        users.set_active(s, actors.admin, "sato01", False)
        s.commit()
    assert "送信 0通" in runner.invoke(app, ["notify"]).output
    assert smtp_server.messages == []
    with Session(engine) as s:
        assert s.get(Notification, 1).mailed_at is None


def test_a_choice_is_validated_and_audited(team):
    engine, _actors, sato, _firm = team
    with Session(engine) as s:
        with pytest.raises(ValidationError):
            notifications.set_mail_preference(s, sato, "mention", "fax")
        notifications.set_mail_preference(s, sato, "target", "digest")
        s.commit()
        assert notifications.mail_preferences(s, sato)["target"] == "digest"
        entry = s.exec(select(AuditLog).where(AuditLog.entity == "user_account")).all()[-1]
        assert "notification_mail.target" in (entry.changes or "")
