"""One label per coded value in the Japanese-headed files: a full export and a weekly export of
the demo carry every coded column (経路, 結果, 状況, 前居住地, 承認, …) as its Japanese label,
never the stored English code, and name the Tokyo area (codes 11–14) 首都圏 as every page and
report does."""

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.csvio.columns import ENTITIES, ENTRY_KINDS
from crm.csvio.export import Week, full_export, weekly_export
from crm.models import Placement
from crm.reference import Residence
from tests.csvio.helpers import table
from tests.utils.databases import sqlite_copy

HUB = "06"


@pytest.fixture(scope="module")
def exports(demo_template, demo_summary, tmp_path_factory):
    """The full and the latest weekly export of one hub of the demo, Japanese headers, read
    once: file name -> rows, and the database's own count of the hub's 首都圏 placements."""
    path = tmp_path_factory.mktemp("labels") / "demo.sqlite3"
    with sqlite_copy(demo_template, path) as engine, Session(engine) as session:
        week = Week.last_complete(demo_summary.loaded_at)
        full = full_export(session, SYSTEM, hub=HUB)
        weekly = weekly_export(session, SYSTEM, week, hub=HUB)
        tokyo = session.execute(
            select(func.count())
            .select_from(Placement)
            .where(
                Placement.hub_code == HUB,
                Placement.previous_residence == Residence.TOKYO_AREA.value,
            )
        ).scalar_one()
    files = {
        kind: {f.name: (f.entity, table(f.data)) for f in bundle.files}
        for kind, bundle in (("full", full), ("weekly", weekly))
    }
    full.close()
    weekly.close()
    return files, tokyo


def _coded_cells(files) -> dict[tuple[str, str], Counter]:
    """Each coded column's values, by (file, header)."""
    cells: dict[tuple[str, str], Counter] = {}
    for name, (entity, rows) in files.items():
        if entity not in ENTITIES:
            continue  # summary.csv: counts only
        for column in ENTITIES[entity].columns:
            if column.enum is not None:
                cells[(name, column.ja)] = Counter(row[column.ja] for row in rows)
    return cells


@pytest.mark.parametrize("kind", ["full", "weekly"])
def test_coded_columns_carry_their_labels_never_the_codes(exports, kind):
    files, _tokyo = exports
    cells = _coded_cells(files[kind])
    raw, unknown = {}, {}
    for (name, header), values in cells.items():
        column = ENTITIES[files[kind][name][0]].header_index[header]
        assert column.enum is not None
        codes, labels = set(column.enum.labels()), set(column.enum.labels().values())
        found = set(values) - {""}
        if found & codes:
            raw[(name, header)] = sorted(found & codes)
        if found - labels:
            unknown[(name, header)] = sorted(found - labels)
    assert raw == {} and unknown == {}
    # Not a vacuous pass: the coded columns hold values.
    filled = {key for key, values in cells.items() if set(values) - {""}}
    assert len(filled) >= (12 if kind == "full" else 8)


def test_the_weekly_entry_kinds_are_labels(exports):
    files, _tokyo = exports
    labels = {kind["ja"] for kind in ENTRY_KINDS.values()}
    for name, (entity, rows) in files["weekly"].items():
        if entity in ("companies", "summary"):
            continue
        kinds = {row["区分"] for row in rows}
        assert kinds and kinds <= labels, name


def test_the_tokyo_area_is_shutoken_in_the_files(exports):
    files, tokyo = exports
    for kind in ("full", "weekly"):
        for name, (_entity, rows) in files[kind].items():
            assert not any("東京圏" in cell for row in rows for cell in row.values()), name
    residence = Counter(row["前居住地"] for row in files["full"]["placements.csv"][1])
    assert tokyo > 0 and residence["首都圏"] == tokyo
