"""お知らせ by e-mail, as each person chose per kind (``crm.services.notifications``): ``now``
ones within a minute (``crm serve`` sends them in the background when SMTP is configured, or
``crm notify`` from cron), ``digest`` ones in one morning mail per person (``crm remind``).

Each notification is *claimed* before its mail goes out (``mailed_at`` set where it was still
empty, in its own committed transaction), so several app processes and a cron job never send
one twice; a mail the server refuses is reported, not retried. Never to a disabled account or
one without an address, and only what was written after the person chose e-mail.
"""

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from crm.calendar_jp import day_with_weekday
from crm.config import Settings
from crm.entities import Notification, NotificationMail
from crm.models import UserAccount
from crm.remind import smtp_connection
from crm.services.notifications import KIND_LABELS
from crm.timeutil import to_jst, utcnow
from crm.validation import normalize_email

PAGES = {"company": "companies?company=", "talent_need": "needs?need=", "kpi_target": "targets"}


@dataclass(frozen=True)
class Mail:
    user_id: int
    email: str
    subject: str
    body: str
    notifications: tuple[int, ...]


@dataclass
class MailReport:
    mails: list[Mail] = field(default_factory=list)
    sent: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (address, reason)


def _link(note: Notification, app_url: str | None) -> str:
    if not app_url:
        return ""
    path = PAGES.get(note.entity, "")
    suffix = str(note.record_id) if path.endswith("=") else ""
    return f"\n  {app_url.rstrip('/')}/{path}{suffix}"


def _line(note: Notification, app_url: str | None) -> str:
    stamp = to_jst(note.created_at)
    when = f"{day_with_weekday(stamp.date())} {stamp:%H:%M}"
    return f"・{when} 【{KIND_LABELS.get(note.kind, 'お知らせ')}】{note.text}{_link(note, app_url)}"


def _pending(session: Session, delivery: str) -> list[tuple[Notification, UserAccount]]:
    """Unmailed notifications of active accounts with an address who chose ``delivery`` for
    their kind, written after that choice, oldest first."""
    rows = session.exec(
        select(Notification, UserAccount, NotificationMail.updated_at)
        .join(UserAccount, col(UserAccount.id) == Notification.user_id)
        .join(
            NotificationMail,
            (col(NotificationMail.user_id) == Notification.user_id)
            & (col(NotificationMail.kind) == Notification.kind),
        )
        .where(
            col(Notification.mailed_at).is_(None),
            NotificationMail.delivery == delivery,
            col(UserAccount.active).is_(True),
            col(UserAccount.email).is_not(None),
        )
        .order_by(col(Notification.created_at), col(Notification.id))
    ).all()
    return [(note, user) for note, user, chosen in rows if note.created_at >= chosen]


def plan_mails(session: Session, delivery: str, app_url: str | None) -> list[Mail]:
    """``now``: a mail per notification; ``digest``: one mail per person with all of theirs."""
    by_person: dict[int, list[tuple[Notification, UserAccount]]] = {}
    for note, user in _pending(session, delivery):
        by_person.setdefault(note.user_id, []).append((note, user))
    mails = []
    for user_id, pairs in by_person.items():
        user = pairs[0][1]
        try:
            address = normalize_email(user.email) or ""
        except ValueError:
            continue
        groups = [[p] for p in pairs] if delivery == "now" else [pairs]
        for group in groups:
            notes = [note for note, _user in group]
            subject = (
                f"【お知らせ】{notes[0].text[:60]}"
                if delivery == "now"
                else f"【お知らせのまとめ】{len(notes)}件"
            )
            body = "\n".join(
                [
                    f"{user.display_name} 様",
                    "",
                    *(_line(note, app_url) for note in notes),
                    "",
                    "―――",
                    "プロフェッショナル人材戦略拠点 CRM のお知らせです。メールで受け取る種類は"
                    "「自分のアカウント」で変えられます。",
                ]
            )
            mails.append(
                Mail(user_id, address, subject, body + "\n", tuple(n.id or 0 for n in notes))
            )
    return mails


def _claim(engine: Engine, mail: Mail) -> bool:
    """Mark the mail's notifications as mailed, if nobody else did first (committed)."""
    with Session(engine) as session:
        result = session.execute(
            update(Notification)
            .where(
                col(Notification.id).in_(mail.notifications),
                col(Notification.mailed_at).is_(None),
            )
            .values(mailed_at=utcnow())
        )
        session.commit()
    return bool(result.rowcount) and result.rowcount == len(mail.notifications)  # type: ignore[attr-defined]


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = str(Address(addr_spec=mail.email))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(mail.body, charset="utf-8")
    return message


def send_pending(
    engine: Engine,
    settings: Settings,
    delivery: str,
    *,
    connect: Callable[[Settings], object] = smtp_connection,
) -> MailReport:
    """Send every pending mail of ``delivery`` (``now`` or ``digest``)."""
    report = MailReport()
    with Session(engine) as session:
        report.mails = plan_mails(session, delivery, settings.app_url)
    if not report.mails:
        return report
    sender = settings.mail_from or ""
    with connect(settings) as smtp:  # type: ignore[attr-defined]
        for mail in report.mails:
            if not _claim(engine, mail):
                continue  # another process sends it
            try:
                smtp.send_message(_message(mail, sender))
            except (ValueError, smtplib.SMTPRecipientsRefused) as error:
                report.refused.append((mail.email, str(error)))
                continue
            report.sent += 1
    return report


def background_sender(engine: Engine, settings: Settings, stop, every: dt.timedelta) -> None:
    """``crm serve``'s background sender: the ``now`` mails every ``every`` until ``stop``
    (a threading.Event) is set; a failure waits for the next round (logged by the caller)."""
    import logging

    log = logging.getLogger("crm.notify_mail")
    while not stop.wait(every.total_seconds()):
        try:
            report = send_pending(engine, settings, "now")
        except Exception as error:  # noqa: BLE001 - the server goes on; the next round retries
            log.warning("お知らせメールを送れませんでした: %s", error)
            continue
        if report.sent or report.refused:
            log.info("お知らせメール: 送信 %d 件、拒否 %d 件", report.sent, len(report.refused))
