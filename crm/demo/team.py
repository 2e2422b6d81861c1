"""A hub is a team, in the demo too (issue 25, item 7): a few hubs have two or three people,
their firms (and so their needs and follow-ups) are shared out among them, and the newest
needs carry a short exchange of comments with @mentions, each mention an お知らせ for its
person (the latest unread), so 拠点担当者, 「自分」 views, comments and the inbox show on first
start.

Written after the history, in the load's transaction, with the audit entries the app writes
for a comment and a notification; the assignments are the firms' state at the load, like their
other fields (the load's one audit entry covers them).
"""

import datetime as dt
import json
import random
from typing import Any

import jpholiday
from sqlalchemy import Connection, insert, select, update
from sqlmodel import col

from crm.entities import Comment, Company, FollowUp, Notification, TalentNeed
from crm.models import AuditLog, UserAccount, table_of
from crm.reference import Role
from crm.timeutil import JST

# hub -> its other people: (user name, display name). The hub's demo manager (hubNN) is the first.
TEAM: dict[str, tuple[tuple[str, str], ...]] = {
    "01": (("tanaka01", "田中 亮"),),
    "06": (("sato06", "佐藤 美咲"), ("takahashi06", "高橋 健")),
    "23": (("watanabe23", "渡辺 恵"),),
    "27": (("yamamoto27", "山本 大輔"),),
    "40": (("suzuki40", "鈴木 由美"), ("ito40", "伊藤 翔")),
}
UNASSIGNED_EVERY = 7  # every seventh firm is left to nobody (未割り当て)
DISCUSSED_NEEDS = 6  # per team hub: the newest open needs get a short exchange
# (the asker's line, the answer); {to} is the colleague mentioned.
EXCHANGES = (
    (
        "@{to} 来週の訪問で、この求人の年収レンジを社長に確認してもらえますか。",
        "承知しました。訪問後にここに書きます。",
    ),
    (
        "@{to} 紹介先から候補者2名の打診がありました。面談日程の調整をお願いします。",
        "先方の都合を聞いて、候補日を3つ出します。",
    ),
    (
        "@{to} 副業人材でも可とのことです。紹介先を追加しましょう。",
        "副業に強い事業者に相談してみます。",
    ),
    (
        "@{to} 金融機関の拠点担当者が同行を希望しています。日程を共有してください。",
        "共有しました。木曜午後で調整中です。",
    ),
    (
        "@{to} 出向の可能性も社長と話しました。大企業の窓口に当たってみてください。",
        "窓口に連絡済みです。返事を待っています。",
    ),
)


def team_rows(hubs: list[str], password_hash: str, first_id: int, stamp: Any) -> list[tuple]:
    """The team members' account rows (columns as ``crm.demo.accounts.USER_COLUMNS``)."""
    rows: list[tuple] = []
    for hub in hubs:
        for username, display in TEAM.get(hub, ()):
            rows.append(
                (first_id + len(rows), username, display, None, Role.HUB_MANAGER.value, hub)
                + (password_hash, True, 0, None, 0, None, stamp, stamp, 1)
            )
    return rows


def _business_moments(today: dt.date, count: int, rng: random.Random) -> list[dt.datetime]:
    """``count`` moments in office hours on the business days before ``today``, oldest first."""
    days: list[dt.date] = []
    day = today
    while len(days) < 10:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5 and not jpholiday.is_holiday(day):
            days.append(day)
    moments = [
        dt.datetime.combine(rng.choice(days), dt.time(9), tzinfo=JST)
        + dt.timedelta(minutes=rng.randrange(0, 8 * 60))
        for _ in range(count)
    ]
    return sorted(m.astimezone(dt.UTC) for m in moments)


def share_out_and_discuss(
    connection: Connection, people: dict[str, list[tuple[int, str, str]]], loaded_at: dt.datetime
) -> dict[str, int]:
    """Assign each team hub's firms (and their needs and follow-ups) among its people and
    write the comments; ``people``: hub -> [(user id, user name, display name)], the hub's
    manager first. Returns the counts written."""
    rng = random.Random(25)
    firms, needs, follow_ups = table_of(Company), table_of(TalentNeed), table_of(FollowUp)
    comments_written = notifications_written = 0
    for hub, team in people.items():
        n = len(team)
        for k, (user_id, _name, _display) in enumerate(team):
            connection.execute(
                update(firms)
                .where(
                    firms.c.hub_code == hub,
                    firms.c.id % n == k,
                    firms.c.id % UNASSIGNED_EVERY != 0,
                )
                .values(assignee_id=user_id)
            )
        for table in (needs, follow_ups):
            firm = select(firms.c.assignee_id).where(firms.c.id == table.c.company_id)
            connection.execute(
                update(table)
                .where(table.c.hub_code == hub)
                .values(assignee_id=firm.scalar_subquery())
            )
        c, m = _discuss(connection, hub, team, loaded_at, rng)
        comments_written += c
        notifications_written += m
    return {"comments": comments_written, "notifications": notifications_written}


def _discuss(connection, hub, team, loaded_at, rng) -> tuple[int, int]:
    needs = table_of(TalentNeed)
    newest = connection.execute(
        select(needs.c.id, needs.c.role_title, needs.c.assignee_id, needs.c.created_at)
        .where(needs.c.hub_code == hub, col(needs.c.status).in_(("open", "referred")))
        .order_by(needs.c.opened_on.desc(), needs.c.id.desc())
        .limit(DISCUSSED_NEEDS)
    ).all()
    by_id = {user_id: (name, display) for user_id, name, display in team}
    moments = _business_moments(loaded_at.astimezone(JST).date(), 2 * len(newest), rng)
    comments = notes = 0
    for i, (need_id, title, assignee, created_at) in enumerate(newest):
        # The asker is a colleague of the need's 拠点担当者, who answers.
        answerer = assignee if assignee in by_id else team[-1][0]
        asker = next(uid for uid, _n, _d in team if uid != answerer)
        ask, answer = EXCHANGES[i % len(EXCHANGES)]
        first, second = moments[2 * i], moments[2 * i + 1]
        first = max(first, _aware(created_at) + dt.timedelta(hours=1))
        second = max(second, first + dt.timedelta(minutes=20))
        if second >= loaded_at.astimezone(dt.UTC):
            continue  # nothing after the moment of loading
        latest = i < 2  # the newest two mentions are still unread
        comment = _comment(
            connection, hub, need_id, asker, by_id, ask.format(to=by_id[answerer][0]), first
        )
        _notify(connection, hub, need_id, title, comment, asker, answerer, by_id, first, latest)
        _comment(connection, hub, need_id, answerer, by_id, answer, second)
        comments, notes = comments + 2, notes + 1
    return comments, notes


def _aware(stamp: dt.datetime) -> dt.datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _audit(connection, at, user_id, username, entity, entity_id, hub, changes) -> None:
    connection.execute(
        insert(table_of(AuditLog)).values(
            at=at,
            user_id=user_id,
            username=username,
            action="create",
            entity=entity,
            entity_id=str(entity_id),
            hub_code=hub,
            changes=json.dumps({k: [None, v] for k, v in changes.items()}, ensure_ascii=False),
        )
    )


def _comment(connection, hub, need_id, author, by_id, body, at) -> int:
    values = {"body": body, "hub_code": hub, "entity": "talent_need", "record_id": need_id}
    comment_id = connection.execute(
        insert(table_of(Comment))
        .values(
            **values, created_at=at, created_by=author, updated_at=at, updated_by=author, version=1
        )
        .returning(table_of(Comment).c.id)
    ).scalar_one()
    _audit(connection, at, author, by_id[author][0], "comment", comment_id, hub, values)
    return comment_id


def _notify(connection, hub, need_id, title, comment_id, asker, to, by_id, at, unread) -> None:
    text = (
        f"{by_id[asker][1]}さんが人材ニーズ「{title[:40]}」のコメントであなたをメンションしました: "
        + connection.execute(
            select(table_of(Comment).c.body).where(table_of(Comment).c.id == comment_id)
        ).scalar_one()
    )[:300]
    values = {
        "user_id": to,
        "hub_code": hub,
        "kind": "mention",
        "entity": "talent_need",
        "record_id": need_id,
        "comment_id": comment_id,
        "text": text,
    }
    row_id = connection.execute(
        insert(table_of(Notification))
        .values(
            **values,
            read_at=None if unread else at + dt.timedelta(hours=2),
            created_at=at,
            created_by=asker,
            updated_at=at,
            updated_by=asker,
            version=1,
        )
        .returning(table_of(Notification).c.id)
    ).scalar_one()
    _audit(connection, at, asker, by_id[asker][0], "notification", row_id, hub, values)


def team_people(connection: Connection, hubs: list[str]) -> dict[str, list[tuple[int, str, str]]]:
    """Each team hub's people as loaded: the demo manager (hubNN) first, then the others."""
    users = table_of(UserAccount)
    people: dict[str, list[tuple[int, str, str]]] = {}
    for hub in hubs:
        if hub not in TEAM:
            continue
        names = [f"hub{hub}", *(name for name, _display in TEAM[hub])]
        rows = {
            name: (uid, name, display)
            for uid, name, display in connection.execute(
                select(users.c.id, users.c.username, users.c.display_name).where(
                    col(users.c.username).in_(names)
                )
            )
        }
        people[hub] = [rows[name] for name in names if name in rows]
    return people
