"""Matching a file's rows with what the database holds: the stored rows of the hub, loaded in
chunks and cached; references within the hub and to new rows of the same bundle; a firm's
corporate number; the counts the pipeline rules need."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session, col

from crm import rules
from crm.actor import Actor
from crm.csvio.columns import REFERENCES
from crm.csvio.export import MODELS
from crm.csvio.import_cells import core_table, nfkc, safe_int
from crm.csvio.import_report import ImportReport, Progress
from crm.csvio.import_store import PlanStore
from crm.csvio.reading import (
    ParsedFile,
)
from crm.models import (
    Company,
    Consultation,
    Contact,
    FollowUp,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
)
from crm.writes import Key

# Every table holding hub work: a database where all are empty may be restored with its ids.
HUB_TABLES = (
    Company,
    Contact,
    Consultation,
    TalentNeed,
    NeedStatusChange,
    Referral,
    Placement,
    FollowUp,
    KpiTarget,
)
# --- the import -------------------------------------------------------------------------------


class Run:
    """One import: the parsed files, what the database already holds, and the plan."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        hub: str | None,
        report: ImportReport,
        progress: Progress,
        total_rows: int,
    ):
        self.session, self.actor, self.hub, self.report = session, actor, hub, report
        self.progress, self.total_rows, self.done_rows = progress, max(total_rows, 1), 0
        self.db: dict[str, dict[int, dict]] = defaultdict(dict)  # entity -> id -> stored row
        self.loaded: dict[str, set[int]] = defaultdict(set)
        self.mine: dict[str, dict[int, dict]] = defaultdict(dict)  # rows this import writes
        self.id_map: dict[str, dict[int, int]] = defaultdict(dict)  # file id -> record id
        self.plans: dict[str, PlanStore] = {}  # entity -> its checked rows, in chunks
        self.entities_in_files: set[str] = set()
        categories = list(
            session.execute(
                select(TalentCategory).order_by(
                    col(TalentCategory.sort_order), col(TalentCategory.id)
                )
            ).scalars()
        )
        self.categories = {str(c.id): c.id for c in categories}
        for c in categories:
            self.categories[nfkc(c.code).lower()] = c.id
            self.categories[nfkc(c.name_ja)] = c.id
        self.category_names = [c.name_ja for c in categories if c.active]
        self.partners = set(session.execute(select(col(Partner.id))).scalars())
        self.corporate: dict[str, tuple[int, str]] = {}  # number -> (company id, hub)
        self.corporate_rows: dict[str, int] = {}  # number -> row of this import
        self.placement_counts: Counter | None = None  # need id -> placements stored
        self.target_years: dict[int, int] = {}  # fiscal year -> row of targets.csv
        self.restore = False  # keep the file's ids (see _restoring)
        self.needs_by_consultation: dict[int, tuple[set[int], dt.date | None]] | None = None
        self.first_records: dict[int, tuple[dt.date | None, dt.date | None]] | None = None
        # kind -> ids other files of this import refer to (candidates for local keys)
        self.references: dict[str, set[int]] = defaultdict(set)
        self.placements_in_files: Counter = Counter()  # need id -> placement rows
        self.local_keys: dict[str, set[int]] = defaultdict(set)  # kind -> keys of new rows
        self.key_ids: dict[Key, int] = {}  # a key of this bundle -> the id its row was given
        self.parsed: dict[str, ParsedFile] = {}
        self.contents: dict[str, dict[tuple, list[dict]]] = {}  # entity -> content -> rows

    # database rows, loaded in chunks and cached
    def stored(self, entity: str, ids: Iterable[int]) -> None:
        table = core_table(MODELS[entity])
        wanted = sorted({i for i in ids if 1 <= i <= rules.MAX_ID} - self.loaded[entity])
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.session.execute(select(table).where(table.c.id.in_(chunk))):
                self.db[entity][row.id] = dict(row._mapping)
            self.loaded[entity].update(chunk)

    def forget(self, entity: str) -> None:
        """After a chunk of ``entity``'s file: its stored rows that no other file names are
        not needed again (each id occurs once in a file), so memory stays with the chunk."""
        keep = self.references[entity]
        rows = self.db[entity]
        for row_id in [i for i in rows if i not in keep]:
            del rows[row_id]
        self.loaded[entity] &= keep

    def same_content(self, entity: str, values: dict) -> dict | None:
        """A stored row of the hub equal in every imported field to ``values`` and not yet
        matched by another row of this import (so a file listing two identical rows matches
        two stored ones, and a re-import of a file without ids creates nothing)."""
        keys = sorted(values)
        if entity not in self.contents:
            table = core_table(MODELS[entity])
            index: dict[tuple, list[dict]] = defaultdict(list)
            statement = select(table).where(table.c.hub_code == self.hub).order_by(table.c.id)
            for row in self.session.execute(statement):
                stored = dict(row._mapping)
                index[tuple(stored[k] for k in keys)].append(stored)
            self.contents[entity] = index
        candidates = self.contents[entity].get(tuple(values[k] for k in keys))
        if not candidates:
            return None
        stored = candidates.pop(0)
        self.db[entity].setdefault(stored["id"], stored)
        return stored

    def record(self, entity: str, record_id: int) -> dict | None:
        """A row as it will be after this import: planned values over stored ones."""
        if record_id in self.mine[entity]:
            return self.mine[entity][record_id]
        return self.db[entity].get(record_id)

    def tick(self, rows: int = 1) -> None:
        self.done_rows += rows
        if self.done_rows % 1000 == 0 or self.done_rows == self.total_rows:
            self.progress(
                0.7 * self.done_rows / self.total_rows,
                f"検証中… {self.done_rows:,} / {self.total_rows:,} 行",
            )


def stored_needs_by_consultation(run: Run) -> dict[int, tuple[set[int], dt.date | None]]:
    """Per stored consultation of the hub: the firms of the needs opened from it and the
    earliest opening (one GROUP BY, the first time it is needed)."""
    if run.needs_by_consultation is None:
        table = core_table(TalentNeed)
        statement = (
            select(table.c.consultation_id, table.c.company_id, func.min(table.c.opened_on))
            .where(table.c.hub_code == run.hub, table.c.consultation_id.is_not(None))
            .group_by(table.c.consultation_id, table.c.company_id)
        )
        found: dict[int, tuple[set[int], dt.date | None]] = {}
        for consultation_id, company_id, opened_on in run.session.execute(statement):
            companies, first = found.get(consultation_id, (set(), None))
            companies.add(company_id)
            found[consultation_id] = (
                companies,
                opened_on if first is None else min(first, opened_on),
            )
        run.needs_by_consultation = found
    return run.needs_by_consultation


def first_records_of_needs(run: Run) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Per stored need of the hub: its earliest referral and placement dates."""
    if run.first_records is None:
        found: dict[int, tuple[dt.date | None, dt.date | None]] = {}
        for model, column, position in (
            (Referral, "referred_on", 0),
            (Placement, "placed_on", 1),
        ):
            table = core_table(model)
            statement = (
                select(table.c.need_id, func.min(table.c[column]))
                .where(table.c.hub_code == run.hub)
                .group_by(table.c.need_id)
            )
            for need_id, day in run.session.execute(statement):
                pair = list(found.get(need_id, (None, None)))
                pair[position] = day
                found[need_id] = (pair[0], pair[1])
        run.first_records = found
    return run.first_records


def stored_placements(run: Run) -> Counter:
    """Placements stored per need of the hub (one GROUP BY, the first time it is needed)."""
    if run.placement_counts is None:
        run.placement_counts = placement_counts(run)
    return run.placement_counts


def corporate_owners(run: Run, numbers: set[str]) -> dict[str, tuple[int, str]]:
    from crm.validation import normalize_corporate_number

    table = core_table(MODELS["companies"])
    valid: set[str] = set()
    for raw in numbers:
        try:
            number = normalize_corporate_number(raw)
        except ValueError:
            continue
        if number is not None:
            valid.add(number)
    owners = {}
    wanted = sorted(valid)
    for start in range(0, len(wanted), 500):
        statement = select(table.c.corporate_number, table.c.id, table.c.hub_code).where(
            table.c.corporate_number.in_(wanted[start : start + 500])
        )
        owners.update({n: (i, h) for n, i, h in run.session.execute(statement)})
    return owners


def placement_counts(run: Run) -> Counter:
    table = core_table(MODELS["placements"])
    statement = (
        select(table.c.need_id, func.count())
        .where(table.c.hub_code == run.hub)
        .group_by(table.c.need_id)
    )
    return Counter(dict(run.session.execute(statement).all()))


def gather_references(run: Run, parsed_files: list[ParsedFile]) -> None:
    """Which ids the files refer to, per kind of record, before any row is checked: an id of a
    new row that another file names is a local key of the bundle (see the module's doc)."""
    for parsed in parsed_files:
        for key, target in REFERENCES.items():
            if key not in parsed.headers:
                continue
            for text, times in parsed.tally(key).items():
                value = safe_int(text)
                if value is None:
                    continue
                run.references[target].add(value)
                if parsed.spec.name == "placements" and key == "need_id":
                    run.placements_in_files[value] += times
