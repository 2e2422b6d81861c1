"""Progress of a long command on the terminal: one line per tenth of the work or new step."""

import time
from collections.abc import Callable

import typer


def terminal_progress() -> Callable[[float, str], None]:
    """A ``progress(share, message)`` callback that prints to standard error, with the
    seconds since it was made."""
    started = time.perf_counter()
    shown = {"step": -1, "message": ""}

    def progress(share: float, message: str) -> None:
        step = int(share * 10)
        if step != shown["step"] or message != shown["message"]:
            shown.update(step=step, message=message)
            elapsed = time.perf_counter() - started
            typer.echo(f"[{share:4.0%}] {message} ({elapsed:.1f} 秒)", err=True)

    return progress
