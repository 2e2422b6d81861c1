"""Pinning today's date for tests whose expectations depend on it (fiscal year, defaults)."""

import datetime as dt

import pytest

from crm import timeutil


def pin_today(monkeypatch: pytest.MonkeyPatch, day: dt.date, hour: int = 10) -> None:
    """Make Japan time read ``day`` at ``hour`` o'clock for the rest of the test.

    ``today_jst()`` and every other reading of the clock goes through ``timeutil.now_jst``,
    so the pages' default dates and periods, the services' "not in the future" rule and the
    test's own ``today_jst()`` all see the same day. Stored UTC timestamps (``utcnow``) keep
    the real time."""
    pinned = dt.datetime.combine(day, dt.time(hour), timeutil.JST)
    monkeypatch.setattr(timeutil, "now_jst", lambda: pinned)
