"""``crm demo``: load the demo history, or a synthetic set of any size, into an empty database."""

import typer

from crm.cli.common import cli_errors, open_engine
from crm.cli.progress import terminal_progress

# crm.demo.DEFAULT_SEED, written out: importing crm.demo for it would load the whole generator
# for every command (tests/cli/test_cli_imports.py checks that the two agree).
DEFAULT_SEED = 2016


def demo_command(
    consultations: int | None = typer.Option(
        None,
        "--consultations",
        "-n",
        min=1,
        help="Scale mode: this many consultations over the ten years ending this month "
        "(with proportional firms, needs, placements...). Default: the demo history.",
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Random seed (same seed, same data)."),
) -> None:
    """Load demo data into the configured database, which must be empty.

    Without options: the demo history from January 2016 to this month (it reproduces the
    programme's published figures). Prints how to sign in (admin, secretariat, hub01…hub47);
    the password is CRM_DEMO_PASSWORD if set, otherwise a random one.

    Examples: crm demo ; crm demo --consultations 1000000 --seed 7
    """
    from crm.demo import load_demo, load_synthetic

    engine = open_engine()
    progress = terminal_progress()

    with cli_errors():
        if consultations is None:
            summary = load_demo(engine, seed=seed, progress=progress)
        else:
            summary = load_synthetic(
                engine, consultations=consultations, seed=seed, progress=progress
            )
    kind = "デモデータ" if summary.kind == "demo" else "合成データ"
    typer.echo(
        f"{kind}を読み込みました（{summary.first_day:%Y-%m} 〜 {summary.last_day:%Y-%m}、"
        f"seed {summary.seed}、{summary.seconds:.1f} 秒）"
    )
    for line in summary.count_lines():
        typer.echo(f"  {line}")
    typer.echo(summary.sign_in_text())
    if summary.credentials_path is not None:
        typer.echo(f"  サインイン情報の控え: {summary.credentials_path}（所有者のみ読み取り可）")
