"""The ``crm`` command line: each command opens the database and calls one service.

Sub-commands live in one module per group; this module assembles them.
"""

import typer

from crm.cli import backup as backup_commands
from crm.cli import db as db_commands
from crm.cli import demo as demo_commands
from crm.cli import remind as remind_commands
from crm.cli import report as report_commands
from crm.cli import serve as serve_commands
from crm.cli import tokens as tokens_commands
from crm.cli import transfer as transfer_commands
from crm.cli import users as users_commands

app = typer.Typer(
    help="Professional Talent Hub CRM (プロフェッショナル人材戦略拠点 CRM).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(report_commands.app, name="report")
app.add_typer(users_commands.app, name="users")
app.add_typer(tokens_commands.app, name="tokens")
app.add_typer(transfer_commands.export_app, name="export")
app.add_typer(transfer_commands.import_app, name="import")
app.command("demo")(demo_commands.demo_command)
app.command("backup")(backup_commands.backup_command)
app.command("restore")(backup_commands.restore_command)
app.command("remind")(remind_commands.remind_command)
app.command("notify")(remind_commands.notify_command)
app.command("serve")(serve_commands.serve_command)
