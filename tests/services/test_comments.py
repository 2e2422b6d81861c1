"""Comments with @mentions and each person's notifications (issue 25, items 3 and 4): who may
write, whom a comment may mention (the record's hub and the secretariat, active accounts only),
all or nothing, audited, the author's short edit window, and an inbox only its person reads."""

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, actor_for
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import AuditLog, Comment, Notification
from crm.services import comments, notifications, users
from tests.utils.factories import make_company

HTML = "<b>太字</b> **強調** [リンク](http://example.com) <script>alert(1)</script>"


@pytest.fixture
def team(session: Session, actors):
    """Hub 01 has a second person, and a third whose account is disabled."""
    colleague = actor_for(
        users.create_user(
            session, SYSTEM, username="sato01", role="hub_manager", hub_code="01",
            display_name="佐藤 一郎",
        )
    )  # fmt: skip
    users.create_user(
        session, SYSTEM, username="gone01", role="hub_manager", hub_code="01", display_name="退職"
    )
    users.set_active(session, actors.admin, "gone01", False)
    firm = make_company(session, actors.manager01, name="コメント確認工業株式会社")
    session.commit()
    return colleague, firm


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_mention_notifies_the_colleague_and_is_audited(session, actors, team):
    colleague, firm = team
    comment = comments.post_comment(
        session, actors.manager01, "company", firm.id, "@sato01 来週の訪問をお願いします"
    )
    session.commit()
    assert comment.body == "@sato01 来週の訪問をお願いします" and comment.hub_code == "01"
    assert notifications.unread_count(session, colleague) == 1
    assert notifications.unread_count(session, actors.manager01) == 0  # not told of their own
    [note] = notifications.list_notifications(session, colleague)
    assert (note.kind, note.entity, note.record_id, note.read) == (
        "mention",
        "company",
        firm.id,
        False,
    )
    assert "コメント確認工業株式会社" in note.text and "manager01" in note.text
    audited = session.exec(
        select(AuditLog.entity).where(
            AuditLog.action == "create", AuditLog.entity.in_(["comment", "notification"])
        )
    ).all()
    assert sorted(audited) == ["comment", "notification"]


def test_people_outside_the_hub_or_disabled_cannot_be_mentioned(session, actors, team):
    _, firm = team
    for name in ("manager02", "gone01", "nobody"):
        with pytest.raises(ValidationError) as refused:
            comments.post_comment(session, actors.manager01, "company", firm.id, f"@{name} 確認を")
        assert f"@{name}" in str(refused.value) and "メンションできません" in str(refused.value)
    session.rollback()
    assert _count(session, Comment) == 0 and _count(session, Notification) == 0


def test_the_secretariat_may_be_asked_and_may_answer(session, actors, team):
    colleague, firm = team
    comments.post_comment(
        session, actors.manager01, "company", firm.id, "事務局に確認です", mentions=["secretariat"]
    )
    session.commit()
    assert notifications.unread_count(session, actors.secretariat) == 1
    comments.post_comment(session, actors.secretariat, "company", firm.id, "@manager01 了解です")
    session.commit()
    assert notifications.unread_count(session, actors.manager01) == 1
    assert notifications.unread_count(session, colleague) == 0


def test_who_may_read_and_write(session, actors, team):
    _, firm = team
    with pytest.raises(PermissionDenied):
        comments.post_comment(session, actors.manager02, "company", firm.id, "他拠点から")
    with pytest.raises(PermissionDenied):
        comments.list_comments(session, actors.manager02, "company", firm.id)
    with pytest.raises(PermissionDenied):
        comments.post_comment(session, actors.admin, "company", firm.id, "管理者から")
    with pytest.raises(PermissionDenied):
        comments.mentionable(session, actors.manager02, "01")
    names = [p.username for p in comments.mentionable(session, actors.manager01, "01")]
    assert set(names) == {"manager01", "sato01", "secretariat"}


def test_text_is_kept_exactly_and_empty_text_is_refused(session, actors, team):
    _, firm = team
    comments.post_comment(session, actors.manager01, "company", firm.id, HTML)
    session.commit()
    [shown] = comments.list_comments(session, actors.secretariat, "company", firm.id)
    assert shown.body == HTML and shown.author == "manager01"
    with pytest.raises(ValidationError):
        comments.post_comment(session, actors.manager01, "company", firm.id, "   ")


def test_only_the_author_edits_or_deletes_and_only_for_a_while(session, actors, team, monkeypatch):
    colleague, firm = team
    comment = comments.post_comment(session, actors.manager01, "company", firm.id, "@sato01 下書き")
    session.commit()
    with pytest.raises(PermissionDenied):
        comments.edit_comment(session, colleague, comment.id, "書き換え", comment.version)
    edited = comments.edit_comment(session, actors.manager01, comment.id, "清書", comment.version)
    session.commit()
    assert edited.body == "清書"
    [view] = comments.list_comments(session, actors.manager01, "company", firm.id)
    assert view.edited and view.editable
    change = session.exec(
        select(AuditLog.changes).where(AuditLog.entity == "comment", AuditLog.action == "update")
    ).one()
    assert "下書き" in change and "清書" in change

    later = comments.utcnow() + dt.timedelta(minutes=16)
    monkeypatch.setattr(comments, "utcnow", lambda: later)
    with pytest.raises(PermissionDenied, match="15分"):
        comments.delete_comment(session, actors.manager01, comment.id)
    monkeypatch.undo()

    comments.delete_comment(session, actors.manager01, comment.id)
    session.commit()
    assert _count(session, Comment) == 0 and _count(session, Notification) == 0
    assert session.exec(
        select(AuditLog.changes).where(AuditLog.entity == "comment", AuditLog.action == "delete")
    ).one()


def test_an_inbox_is_its_persons_alone(session, actors, team):
    colleague, firm = team
    for n in range(3):
        comments.post_comment(session, actors.manager01, "company", firm.id, f"@sato01 件{n}")
    session.commit()
    first, *rest = notifications.list_notifications(session, colleague)
    with pytest.raises(NotFound):
        notifications.mark_read(session, actors.manager01, first.id)
    assert notifications.mark_read(session, colleague, first.id).read
    session.commit()
    assert notifications.unread_count(session, colleague) == 2
    assert [
        n.id for n in notifications.list_notifications(session, colleague, unread_only=True)
    ] == [n.id for n in rest]
    assert notifications.mark_all_read(session, colleague) == 2
    session.commit()
    assert notifications.unread_count(session, colleague) == 0
    # Disabled, a person gets nothing more (and cannot sign in to read what came before).
    users.set_active(session, actors.admin, "sato01", False)
    session.commit()
    with pytest.raises(ValidationError, match="@sato01"):
        comments.post_comment(session, actors.manager01, "company", firm.id, "@sato01 まだ？")


def test_a_placements_comment_mentions_open_its_need(session, actors, team):
    from tests.utils.factories import make_consultation, make_need, make_placement

    colleague, firm = team
    need = make_need(session, actors.manager01, make_consultation(session, actors.manager01, firm))
    placement = make_placement(session, actors.manager01, need)
    session.commit()
    comments.post_comment(
        session, actors.manager01, "placement", placement.id, "@sato01 定着状況を"
    )
    session.commit()
    [note] = notifications.list_notifications(session, colleague)
    assert (note.entity, note.record_id) == ("talent_need", need.id)
    [shown] = comments.list_comments(session, actors.secretariat, "placement", placement.id)
    assert shown.body == "@sato01 定着状況を"
