"""``crm remind``: e-mail each hub manager a digest of their overdue and upcoming items."""

import datetime as dt

import typer

from crm.cli.common import cli_errors, fail, hub_option, open_engine
from crm.timeutil import today_jst


def remind_command(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the mails instead of sending them (nothing is sent)."
    ),
    hub: str | None = typer.Option(
        None, "--hub", callback=hub_option, help="Only this hub's managers, e.g. 06."
    ),
    on: str | None = typer.Option(
        None, "--date", help="The day the digest is for, YYYY-MM-DD (default: today in Japan)."
    ),
) -> None:
    """Send each hub manager a Japanese digest of overdue and this week's follow-ups and next
    actions (the dashboard's 今日やること). Managers with nothing due get no mail; every sent
    mail is recorded in the audit log. SMTP: CRM_SMTP_HOST, CRM_SMTP_PORT, CRM_SMTP_STARTTLS,
    CRM_SMTP_USER, CRM_SMTP_PASSWORD, CRM_MAIL_FROM.

    Example (cron, weekdays 07:30 Japan time): 30 7 * * 1-5  crm remind
    """
    from sqlmodel import Session

    from crm.config import get_settings
    from crm.db import session_scope
    from crm.notify_mail import send_pending
    from crm.remind import Digest, plan_reminders, record_sent, send_all, smtp_connection

    try:
        today = dt.date.fromisoformat(on) if on else today_jst()
    except ValueError:
        fail(f"--date は YYYY-MM-DD で指定してください（「{on}」）。")
        return
    settings = get_settings()
    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        report = plan_reminders(session, today=today, hub_code=hub, app_url=settings.app_url)
    if dry_run:
        for digest in report.digests:
            typer.echo(f"宛先: {digest.username} <{digest.email}>")
            typer.echo(f"件名: {digest.subject}")
            typer.echo("")
            typer.echo(digest.body)
            typer.echo("=" * 40)
    elif report.digests:
        if not settings.mail_from:
            fail("CRM_MAIL_FROM（送信元アドレス）が設定されていません。")
            return

        def record(digest: Digest) -> None:
            with session_scope(engine) as s:
                record_sent(s, digest)

        with cli_errors(), smtp_connection(settings) as smtp:
            send_all(smtp, report, settings.mail_from, record)
    verb = "送信予定（--dry-run: 送信していません）" if dry_run else "送信"
    count = len(report.digests) if dry_run else report.sent
    summary = f"{verb} {count}通・対象なし {len(report.nothing_due)}人"
    if report.without_email:
        names = ", ".join(report.without_email)
        summary += f"・メールアドレス未登録 {len(report.without_email)}人（{names}）"
    if report.unusable_email:
        summary += f"・送信できないアドレス {len(report.unusable_email)}人"
    for line in report.skipped_lines():
        typer.echo(line)
    typer.echo(summary)
    if not dry_run and settings.smtp_host and settings.mail_from:
        # The morning digest of the notifications people chose to read by e-mail.
        with cli_errors():
            notes = send_pending(engine, settings, "digest")
        typer.echo(f"お知らせのまとめ: 送信 {notes.sent}通")


def notify_command(
    digest: bool = typer.Option(
        False, "--digest", help="The morning digests instead of the immediate mails."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the mails; send nothing."),
) -> None:
    """Send the notifications (お知らせ) people chose to get by e-mail: immediately (what
    `crm serve` also sends every minute when SMTP is configured), or with --digest the
    morning digest (`crm remind` sends it too).

    Example (cron, every minute): * * * * *  crm notify
    """
    from sqlmodel import Session

    from crm.config import get_settings
    from crm.notify_mail import plan_mails, send_pending

    settings = get_settings()
    engine = open_engine()
    delivery = "digest" if digest else "now"
    if dry_run:
        with cli_errors(), Session(engine) as session:
            mails = plan_mails(session, delivery, settings.app_url)
        for mail in mails:
            typer.echo(f"宛先: {mail.email}\n件名: {mail.subject}\n\n{mail.body}{'=' * 40}")
        typer.echo(f"送信予定（--dry-run: 送信していません） {len(mails)}通")
        return
    if not settings.mail_from:
        fail("CRM_MAIL_FROM（送信元アドレス）が設定されていません。")
        return
    with cli_errors():
        report = send_pending(engine, settings, delivery)
    for address, reason in report.refused:
        typer.echo(f"送信できませんでした: {address}（{reason}）")
    typer.echo(f"送信 {report.sent}通")
