"""Reminder e-mails: each hub manager's 今日やること as a Japanese digest, sent over SMTP.

``crm remind`` (meant for cron) builds one digest per active hub manager with an e-mail
address from the same query as the dashboard (``crm.services.today.todays_work``: overdue
items and those due this week), sends nothing to a manager with nothing due, and records each
sent mail in the audit trail. SMTP settings come from ``CRM_SMTP_*`` and ``CRM_MAIL_FROM``.

Addresses are read by ``crm.validation.normalize_email``, the check accounts are created with,
which uses the parser that addresses the mail; an address stored before that check (or one
the mail server refuses) is reported and skipped, and the managers after it still get theirs.
"""

import datetime as dt
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session, col, select

from crm.actor import SYSTEM, actor_for
from crm.calendar_jp import day_with_weekday
from crm.config import Settings
from crm.errors import CrmError
from crm.models import Hub, UserAccount
from crm.reference import Role
from crm.services.base import record_audit
from crm.services.today import KIND_LABELS, TodayItem, TodayList, describe, todays_work
from crm.validation import hub_code as read_hub_code
from crm.validation import normalize_email

ITEMS_PER_MAIL = 100


@dataclass(frozen=True)
class Digest:
    """One manager's mail, before it is sent."""

    user_id: int
    username: str
    email: str
    hub_code: str
    subject: str
    body: str
    overdue: int
    total: int


@dataclass
class RemindReport:
    digests: list[Digest] = field(default_factory=list)
    nothing_due: list[str] = field(default_factory=list)  # user names
    without_email: list[str] = field(default_factory=list)
    # (user name, address as stored, reason): skipped, the others are still sent.
    unusable_email: list[tuple[str, str, str]] = field(default_factory=list)
    sent: int = 0

    def skipped_lines(self) -> list[str]:
        """One Japanese line per manager whose address could not be used."""
        return [
            f"送信しませんでした: {username}（{address}）: {reason}"
            for username, address, reason in self.unusable_email
        ]


def _line(item: TodayItem, today: dt.date, app_url: str | None) -> str:
    text = (
        f"・{day_with_weekday(item.due_on)}　{describe(item, today)}　{KIND_LABELS[item.kind]}　"
        f"{item.company_name}"
    )
    if item.what:
        text += f" — {item.what}"
    if app_url:
        target = "followups" if item.kind == "follow_up" else "companies"
        text += f"\n  {app_url.rstrip('/')}/{target}?company={item.company_id}"
    return text


def compose(
    user: UserAccount, hub_name: str, work: TodayList, app_url: str | None = None
) -> tuple[str, str]:
    """The subject and body of a manager's digest, in Japanese."""
    today, counts = work.today, work.counts
    week = counts.total - counts.overdue
    subject = (
        f"【今日やること】{hub_name}拠点 期限超過{counts.overdue}件・今週{week}件"
        f"（{day_with_weekday(today)}）"
    )
    overdue = [i for i in work.items if i.due_on < today]
    upcoming = [i for i in work.items if i.due_on >= today]
    lines = [
        f"{user.display_name} 様",
        "",
        f"{day_with_weekday(today)}現在、対応が必要なフォローアップと次のアクションは "
        f"{counts.total}件です（期限超過 {counts.overdue}件・今週 "
        f"{day_with_weekday(work.week_end)}まで {week}件）。",
    ]
    for title, items in (
        (f"期限超過（{counts.overdue}件）", overdue),
        (f"今週（{week}件）", upcoming),
    ):
        if items:
            lines += ["", f"■ {title}", *(_line(i, today, app_url) for i in items)]
    if counts.total > len(work.items):
        lines += ["", f"ほか {counts.total - len(work.items)}件は CRM でご確認ください。"]
    lines += [
        "",
        "完了したものは、CRM の拠点ダッシュボード「今日やること」で各行の「完了」を押すと"
        "一覧から消えます。",
        "",
        "―――",
        "このメールはプロフェッショナル人材戦略拠点 CRM から自動で送信しています（crm remind）。",
    ]
    return subject, "\n".join(lines) + "\n"


def plan_reminders(
    session: Session,
    *,
    today: dt.date,
    hub_code: str | None = None,
    app_url: str | None = None,
) -> RemindReport:
    """Every active hub manager's digest (of one hub, if given); managers with nothing due
    get none."""
    statement = select(UserAccount).where(
        UserAccount.role == Role.HUB_MANAGER.value, col(UserAccount.active).is_(True)
    )
    if hub_code is not None:
        try:
            hub_code = read_hub_code(hub_code)
        except ValueError as error:
            raise CrmError(f"--hub: {error}") from None
        if session.get(Hub, hub_code) is None:
            raise CrmError(f"拠点コード「{hub_code}」はありません（例: 06）。")
        statement = statement.where(UserAccount.hub_code == hub_code)
    hubs = {hub.code: hub.name_ja for hub in session.exec(select(Hub)).all()}
    report = RemindReport()
    for user in session.exec(statement.order_by(UserAccount.hub_code, UserAccount.username)):
        if user.hub_code is None or user.id is None:
            continue
        if not user.email:
            report.without_email.append(user.username)
            continue
        try:
            address = normalize_email(user.email) or ""
        except ValueError as error:  # stored before the check: report it, go on
            report.unusable_email.append((user.username, user.email, str(error)))
            continue
        work = todays_work(
            session, actor_for(user), hub_code=user.hub_code, today=today, limit=ITEMS_PER_MAIL
        )
        if work.counts.total == 0:
            report.nothing_due.append(user.username)
            continue
        subject, body = compose(user, hubs.get(user.hub_code, user.hub_code), work, app_url)
        report.digests.append(
            Digest(
                user_id=user.id,
                username=user.username,
                email=address,
                hub_code=user.hub_code,
                subject=subject,
                body=body,
                overdue=work.counts.overdue,
                total=work.counts.total,
            )
        )
    return report


def message_for(digest: Digest, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    # ValueError for an address the check refuses (see ``send_all``).
    message["To"] = str(Address(addr_spec=normalize_email(digest.email) or ""))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(digest.body, charset="utf-8")
    return message


# What refuses one recipient and leaves the connection usable for the next mail: an address
# the check refuses, a recipient the server refuses, a non-ASCII address the server cannot take.
_ONE_RECIPIENT = (ValueError, smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError)


def send_all(
    smtp: smtplib.SMTP,
    report: RemindReport,
    sender: str,
    record: Callable[[Digest], None],
) -> None:
    """Send every digest of ``report``; ``record`` each sent one (its audit entry). A digest
    whose recipient is refused is added to ``report.unusable_email`` and the next is sent."""
    for digest in report.digests:
        try:
            smtp.send_message(message_for(digest, sender))
        except _ONE_RECIPIENT as error:
            report.unusable_email.append((digest.username, digest.email, _refusal(error)))
            continue
        record(digest)
        report.sent += 1


def _refusal(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(
            f"{code} {message.decode(errors='replace') if isinstance(message, bytes) else message}"
            for code, message in error.recipients.values()
        )
        return f"メールサーバーが宛先を受け付けませんでした（{answers}）"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return "メールサーバーが日本語などを含むアドレスに対応していません"
    return str(error)


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[smtplib.SMTP]:
    """A signed-in SMTP connection from the settings; refusals become CrmError."""
    if not settings.smtp_host:
        raise CrmError("CRM_SMTP_HOST が設定されていません（送信せずに確認するには --dry-run）。")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = (
                    settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                )
                smtp.login(settings.smtp_user, password)
            yield smtp
    except (OSError, smtplib.SMTPException) as error:
        raise CrmError(
            f"メールサーバー {settings.smtp_host}:{settings.smtp_port} に送信できません: {error}"
        ) from None


def record_sent(session: Session, digest: Digest) -> None:
    record_audit(
        session,
        SYSTEM,
        "remind",
        entity="user_account",
        entity_id=digest.user_id,
        hub_code=digest.hub_code,
        detail=(
            f"リマインダーを {digest.email} に送信（期限超過 {digest.overdue}件・"
            f"合計 {digest.total}件）"
        ),
    )
