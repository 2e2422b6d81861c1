"""A larger SQLite page cache while a bulk write runs.

SQLite's default cache (2 MB) holds a small part of the indexes a 100,000-row import adds
to (seven on consultations), so most index inserts copy pages in from the operating system
again; 64 MB for the write keeps them in memory (a tenth of an import's time, measured in
BENCHMARKS.md) and is given back afterwards, so the connection returns to the pool small."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

BULK_CACHE_KIB = 65_536


@contextmanager
def bulk_page_cache(session: Session) -> Iterator[None]:
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text(f"PRAGMA cache_size=-{BULK_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size={int(before)}"))
