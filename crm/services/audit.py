"""Reading the audit trail (administrators only).

There is deliberately no function here, or anywhere in the app, that updates or deletes an
audit entry: the trail is written by the services as a side effect of each change and is
read-only from then on.
"""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.models import AuditLog, stored_id
from crm.reference import Role
from crm.timeutil import JST

# Japanese names of the actions, for filters and the list.
ACTION_LABELS = {
    "create": "作成",
    "update": "更新",
    "delete": "削除",
    "import": "取り込み",
    "demo_load": "デモデータ読み込み",
    "export": "書き出し",
    "sign_in": "サインイン",
    "sign_in_failed": "サインイン失敗",
    "account_locked": "アカウントロック",
    "sign_out": "サインアウト",
    "sign_out_everywhere": "全端末からサインアウト",
    "password_reset": "パスワード再設定",
    "password_change": "パスワード変更",
    "unlock": "ロック解除",
    "disable": "利用停止",
    "enable": "利用再開",
    "merge": "企業の統合",
    "remind": "リマインド送信",
    "token_create": "APIトークン発行",
    "token_revoke": "APIトークン失効",
    "api_read": "API読み取り",
    "api_refused": "API拒否",
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    username: str | None
    user_id: int | None
    action: str
    entity: str | None
    entity_id: str | None
    hub_code: str | None
    changes: dict[str, list[Any]]
    detail: str | None

    @classmethod
    def of(cls, row: AuditLog) -> "AuditEntry":
        """A stored entry with its changes read from their JSON."""
        return cls(
            id=stored_id(row.id),
            at=row.at,
            username=row.username,
            user_id=row.user_id,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            hub_code=row.hub_code,
            changes=json.loads(row.changes or "{}"),
            detail=row.detail,
        )

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def changes_text(self) -> str:
        """``field: before → after`` per changed field, for a table cell."""
        return " / ".join(
            f"{field}: {_show(before)} → {_show(after)}"
            for field, (before, after) in self.changes.items()
        )


def _show(value: Any) -> str:
    return "（なし）" if value is None else str(value)


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    hub_code: str | None = None
    since: dt.date | None = None  # Japan-time dates, both inclusive
    until: dt.date | None = None


def _jst_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=JST)


def _where(statement, wanted: AuditFilter):
    if wanted.username:
        statement = statement.where(AuditLog.username == wanted.username)
    if wanted.action:
        statement = statement.where(AuditLog.action == wanted.action)
    if wanted.entity:
        statement = statement.where(AuditLog.entity == wanted.entity)
    if wanted.entity_id:
        statement = statement.where(AuditLog.entity_id == str(wanted.entity_id))
    if wanted.hub_code:
        statement = statement.where(AuditLog.hub_code == wanted.hub_code)
    if wanted.since:
        statement = statement.where(AuditLog.at >= _jst_midnight(wanted.since))
    if wanted.until:
        statement = statement.where(
            AuditLog.at < _jst_midnight(wanted.until + dt.timedelta(days=1))
        )
    return statement


def browse_audit(
    session: Session,
    actor: Actor,
    wanted: AuditFilter | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first."""
    actor.require_role(Role.ADMIN)
    statement = _where(select(AuditLog), wanted or AuditFilter())
    statement = statement.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
    rows = session.exec(statement.offset(offset).limit(limit)).all()
    return [AuditEntry.of(r) for r in rows]


def count_audit(session: Session, actor: Actor, wanted: AuditFilter | None = None) -> int:
    actor.require_role(Role.ADMIN)
    statement = _where(select(func.count()).select_from(AuditLog), wanted or AuditFilter())
    return session.exec(statement).one()


@dataclass(frozen=True)
class AuditFacets:
    """The values present in the trail, to offer as filter choices."""

    usernames: list[str]
    actions: list[str]
    entities: list[str]


def audit_facets(session: Session, actor: Actor) -> AuditFacets:
    actor.require_role(Role.ADMIN)

    def distinct(column) -> list[str]:
        return [v for v in session.exec(select(column).distinct().order_by(column)).all() if v]

    return AuditFacets(
        usernames=distinct(AuditLog.username),
        actions=distinct(AuditLog.action),
        entities=distinct(AuditLog.entity),
    )
