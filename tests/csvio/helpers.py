"""Shared set-up for the CSV tests: stamping rows with chosen timestamps, reading exports."""

import csv
import datetime as dt
import io
import zipfile

from sqlalchemy import update

from crm.timeutil import JST


def stamp(session, row, created=None, updated=None):
    """Pretend ``row`` was entered at ``created`` and last changed at ``updated``."""
    values = {}
    if created is not None:
        values["created_at"] = created
        values.setdefault("updated_at", updated or created)
    if updated is not None:
        values["updated_at"] = updated
    model = type(row)
    session.execute(update(model).where(model.id == row.id).values(**values))
    session.flush()


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    """A CSV file of ``lines`` as a spreadsheet program saves it (CRLF, BOM by default)."""
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def table(data: bytes, encoding: str = "utf-8-sig") -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def file_of(bundle, name: str):
    return next(f for f in bundle.files if f.name == name)


def rows_of(bundle, name: str, encoding: str = "utf-8-sig") -> list[dict]:
    return table(file_of(bundle, name).data, encoding)


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}
