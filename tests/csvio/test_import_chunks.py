"""An import checks and keeps its rows a chunk at a time (``crm.csvio.import_store``): with
chunks of a few rows, every behaviour that spans rows (keys of the bundle, duplicates, the
workflow's steps, a restore's ids, errors) is the same as with one chunk for the whole file."""

from sqlmodel import Session, func, select

from crm.csvio import import_plan
from crm.csvio.import_report import Planned
from crm.csvio.import_store import PlanStore
from crm.csvio.importer import import_files
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    FollowUp,
    NeedStatusChange,
    Placement,
    Referral,
    TalentNeed,
)
from crm.reference import NeedStatus
from tests.csvio.helpers import csv_bytes
from tests.csvio.test_roundtrip import MODELS, aggregates, records, round_trip
from tests.utils.factories import make_actors, make_partner

FIRMS = 11  # with chunks of 3 rows: four chunks, the last one short


def _bundle() -> list[tuple[str, bytes]]:
    """A hub's bundle whose files name new rows of other files by their file ids (keys of
    the bundle), in rows spread over several chunks."""
    firms = ["企業ID,企業名,都道府県コード"] + [
        f"{900 + n},チャンク商事{n},01" for n in range(FIRMS)
    ]
    consultations = ["相談ID,企業ID,相談日,相談経路,相談内容"] + [
        f"{700 + n},{900 + n},2025-02-{n + 1:02d},企業訪問,相談{n}" for n in range(FIRMS)
    ]
    needs = ["企業ID,相談ID,人材区分,雇用形態,役職・職種,受付日"] + [
        f"{900 + n},{700 + n},経営人材,中途採用,工場長{n},2025-03-01" for n in range(FIRMS)
    ]
    return [
        ("companies.csv", csv_bytes(firms)),
        ("consultations.csv", csv_bytes(consultations)),
        ("needs.csv", csv_bytes(needs)),
    ]


def _outcomes(needs: dict[int, int], partner_id: int) -> list[tuple[str, bytes]]:
    """Referrals of every stored need and placements of every other one: the workflow moves
    the needs (紹介中, then 成約) from rows in several chunks."""
    referrals = ["ニーズID,パートナーID,紹介日"] + [
        f"{needs[n]},{partner_id},2025-03-10" for n in range(FIRMS)
    ]
    placements = ["ニーズID,パートナーID,成約日"] + [
        f"{needs[n]},{partner_id},2025-04-01" for n in range(0, FIRMS, 2)
    ]
    return [("referrals.csv", csv_bytes(referrals)), ("placements.csv", csv_bytes(placements))]


def _import(session, actor, files) -> None:
    preview = import_files(session, actor, files, dry_run=True)
    assert preview.ok, preview.errors
    report = import_files(session, actor, files, dry_run=False)
    assert report.ok, report.errors
    assert report.totals() == preview.totals()
    session.commit()
    again = import_files(session, actor, files, dry_run=True)
    assert set(again.totals()) <= {"unchanged", "create"}, again.totals()


def _imported(engine, chunk: int, monkeypatch) -> dict:
    monkeypatch.setattr(import_plan, "CHUNK", chunk)
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        partner = make_partner(session)
        session.commit()
        _import(session, actors.manager01, _bundle())
        again = import_files(session, actors.manager01, _bundle(), dry_run=False)
        assert again.ok and set(again.totals()) == {"unchanged"}, again.totals()
        session.rollback()
        stored = {
            int(n.role_title.removeprefix("工場長")): n.id for n in session.exec(select(TalentNeed))
        }
        _import(session, actors.manager01, _outcomes(stored, partner.id))
        firms = {c.id: c.name for c in session.exec(select(Company))}
        by_name = {
            n.role_title: (
                firms[n.company_id],
                session.get(Consultation, n.consultation_id).summary,
                n.status,
            )
            for n in session.exec(select(TalentNeed))
        }
        return {
            "needs": by_name,
            "referrals": session.exec(select(func.count()).select_from(Referral)).one(),
            "placements": session.exec(select(func.count()).select_from(Placement)).one(),
            "follow_ups": session.exec(select(func.count()).select_from(FollowUp)).one(),
            "steps": sorted(
                (s.from_status or "", s.to_status) for s in session.exec(select(NeedStatusChange))
            ),
            "audit": sorted(
                (a.action, a.entity)
                for a in session.exec(select(AuditLog).where(AuditLog.action != "login"))
            ),
        }


def test_a_bundle_in_chunks_of_three_rows_writes_what_one_chunk_writes(any_engine, monkeypatch):
    small = _imported(any_engine, 3, monkeypatch)
    assert len(small["needs"]) == FIRMS
    # Each need is on the firm and consultation its file row named, through the bundle's keys.
    for n in range(FIRMS):
        firm, summary, status = small["needs"][f"工場長{n}"]
        assert (firm, summary) == (f"チャンク商事{n}", f"相談{n}")
        assert status == (NeedStatus.PLACED if n % 2 == 0 else NeedStatus.REFERRED).value
    assert (small["referrals"], small["placements"], small["follow_ups"]) == (FIRMS, 6, 6)


def test_chunks_of_three_rows_and_one_chunk_give_the_same_records(
    sqlite_template, tmp_path, monkeypatch
):
    from tests.utils.databases import sqlite_copy

    results = []
    for chunk in (3, 100_000):
        with sqlite_copy(sqlite_template, tmp_path / f"{chunk}.sqlite3") as engine:
            results.append(_imported(engine, chunk, monkeypatch))
    assert results[0] == results[1]


def test_errors_across_chunks_are_all_reported_and_nothing_is_written(sqlite_engine, monkeypatch):
    monkeypatch.setattr(import_plan, "CHUNK", 3)
    with Session(sqlite_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
        lines = ["企業名,都道府県コード,法人番号"] + [f"会社{n},01," for n in range(11)]
        lines[2] = "会社1,01,7000012050002"
        lines[9] = "会社8,01,7000012050002"  # the same number as row 3, two chunks later
        lines[11] = "会社10,99,"  # no such prefecture, in the last chunk
        report = import_files(
            session, actors.manager01, [("companies.csv", csv_bytes(lines))], dry_run=False
        )
        assert not report.ok
        assert [(e.row, e.column) for e in report.errors] == [
            (10, "法人番号"),
            (12, "都道府県コード"),
        ]
        assert "3 行目と重複" in report.errors[0].reason
        session.rollback()
        assert session.exec(select(func.count()).select_from(Company)).one() == 0


def test_a_restore_in_chunks_keeps_every_id(demo_engine, sqlite_engine, monkeypatch):
    monkeypatch.setattr(import_plan, "CHUNK", 50)
    options = {"06": ("cp932", "ja"), "47": ("utf-8-sig", "en")}
    round_trip(demo_engine, sqlite_engine, options)
    hubs = list(options)
    before, after = records(demo_engine, hubs), records(sqlite_engine, hubs)
    for name in MODELS:
        assert after[name] == before[name], name
    assert aggregates(sqlite_engine, hubs) == aggregates(demo_engine, hubs)


def test_the_store_gives_back_its_chunks_in_order_from_disk():
    store = PlanStore()
    chunks = [
        [Planned(row, "create", None, {"n": row}) for row in range(s, s + 3)] for s in (2, 5, 8)
    ]
    for chunk in chunks:
        store.add(chunk)
    assert store.rows == 9
    assert store._file is not None  # beyond the first chunk, the chunks wait on disk
    assert list(store) == chunks
    store.close()
    single = PlanStore()
    single.add(chunks[0])
    assert single._file is None and list(single) == [chunks[0]]
