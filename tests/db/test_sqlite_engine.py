"""The SQLite engine: a second engine on a live file keeps the first one's locks, and the
pool holds a connection for every manager saving at once.

A second engine on a live SQLite file must not drop the first one's locks.

In WAL mode every connection keeps a POSIX lock on the database file; the last connection of
the last process to close it checkpoints and deletes the -wal. Closing *any* descriptor of that
file drops every lock the process holds on it, so a second `make_engine` (which narrows the
file to owner-only) once let another process's close delete the -wal under running writers:
they failed with "disk I/O error" (seen during `crm backup`).
"""

import subprocess
import sys

from sqlalchemy import text

from crm.db import make_engine


def close_from_another_process(path) -> None:
    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('select count(*) from sqlite_master').fetchone(); c.close()"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)


def test_second_engine_keeps_the_wal_of_the_first(tmp_path):
    path = tmp_path / "crm.sqlite3"
    first = make_engine(f"sqlite:///{path}")
    with first.connect() as connection:
        connection.execute(text("create table t (x integer)"))
        connection.execute(text("insert into t values (1)"))
        connection.commit()
        wal = path.with_name(path.name + "-wal")
        assert wal.exists()

        second = make_engine(f"sqlite:///{path}")  # narrows the same file again
        close_from_another_process(path)

        assert wal.exists()
        connection.execute(text("insert into t values (2)"))
        connection.commit()
        assert connection.execute(text("select count(*) from t")).scalar_one() == 2
    second.dispose()
    first.dispose()


def test_the_sqlite_pool_fits_every_manager_saving_at_once(tmp_path):
    from crm.config import get_settings

    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    settings = get_settings()
    assert engine.pool.size() == settings.db_pool_size  # type: ignore[attr-defined]
    assert settings.db_pool_size + settings.db_max_overflow >= 46
    assert engine.pool._max_overflow == settings.db_max_overflow  # type: ignore[attr-defined]
    engine.dispose()
