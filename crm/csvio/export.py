"""Weekly and full CSV exports, read through the actor's scope.

A weekly export holds, for one ISO week (Monday 00:00 to Sunday 24:00, Japan time):
- the consultations, needs, referrals, placements and follow-ups dated in the week
  (区分 当週); follow-ups count when due or done in the week;
- records dated before the week that were entered (遅延入力) or corrected (訂正) during the
  week, by their stored UTC created/updated timestamps read in Japan time;
- the companies those rows refer to, plus companies registered or changed in the week;
- a per-hub summary with the week's and the cumulative counts (by business date, up to the
  week's Sunday);
- ``manifest.json``: files, row counts, SHA-256 checksums, the exact period, and when and by
  whom the export was made.

Data files never contain the generation time and rows are sorted by id, so exporting the same
week again over unchanged data gives byte-identical data files; only the manifest differs.
"""

import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import weakref
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Row, and_, func, or_, select, union
from sqlmodel import Session, SQLModel, col

from crm.actor import Actor, allowed_hubs
from crm.analytics import counted
from crm.csvio.columns import (
    ENTITIES,
    ENTRY_KINDS,
    FULL_ENTITIES,
    HUB_ENTITIES,
    STAMP,
    SUMMARY,
    EntitySpec,
)
from crm.csvio.excel import DEFAULT_ENCODING, ENCODINGS, EncodingRefused, Unencodable, write_csv
from crm.errors import CrmError
from crm.files import atomic_dir, open_private, private_dir, write_private
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    Contact,
    FollowUp,
    Hub,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
    table_of,
)
from crm.services.base import entity_name, record_audit
from crm.timeutil import JST, iso_week_bounds, last_complete_iso_week, now_jst, to_jst

FORMAT = "talent-hub-crm-export/1"
HEADER_LANGUAGES = ("ja", "en")
# In dependency order: a table may refer only to tables before it (partners aside).
MODELS: dict[str, type[SQLModel]] = {
    "companies": Company,
    "contacts": Contact,
    "consultations": Consultation,
    "needs": TalentNeed,
    "need_history": NeedStatusChange,
    "referrals": Referral,
    "placements": Placement,
    "follow_ups": FollowUp,
    "targets": KpiTarget,
    "partners": Partner,
}


@dataclass(frozen=True)
class ExportFile:
    """One rendered file, kept on disk in its bundle's scratch folder (a national file is
    hundreds of MB: it is written as its rows are read, never held in memory)."""

    name: str
    entity: str
    rows: int
    path: Path
    columns: list[str]
    sha256: str
    size: int
    # Keeps the folder the file lives in while the file (or its bundle) is in use.
    scratch: "Scratch | None" = field(default=None, compare=False, repr=False)

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()

    def open(self) -> BinaryIO:
        return open(self.path, "rb")


class _Hashing:
    """A binary file that also counts and hashes what is written to it."""

    def __init__(self, handle: BinaryIO):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)


class Scratch:
    """An owner-only temporary folder for an export's files, removed by ``remove()`` or once
    neither the bundle nor any of its files is referenced any more."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="crm-export-"))  # mode 0700
        self.remove = weakref.finalize(self, shutil.rmtree, self.path, True)


def _render_file(
    scratch: Scratch,
    spec: EntitySpec,
    language: str,
    lines: Iterable[tuple[object, Sequence]],
    encoding: str,
    problems: list[Unencodable],
) -> ExportFile:
    path = scratch.path / spec.file_name
    with open_private(path) as handle:
        target = _Hashing(handle)
        count = write_csv(
            target,
            spec.headers(language),
            lines,
            encoding=encoding,
            file_name=spec.file_name,
            problems=problems,
        )
    return ExportFile(
        spec.file_name,
        spec.name,
        count,
        path,
        spec.headers(language),
        target.digest.hexdigest(),
        target.size,
        scratch,
    )


@dataclass
class ExportBundle:
    folder: str
    files: list[ExportFile]
    manifest: dict = field(default_factory=dict)
    scratch: Scratch | None = None  # where the files are

    def close(self) -> None:
        """Remove the rendered files now (otherwise once nothing refers to them)."""
        if self.scratch is not None:
            self.scratch.remove()

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def row_counts(self) -> dict[str, int]:
        return {f.name: f.rows for f in self.files}

    def write_to(self, out_dir: Path) -> Path:
        """Write ``out_dir/<folder>/`` (replacing a folder of that name) and return it.

        Written under a temporary name and renamed when complete (owner-only: 0700 folder,
        0600 files); on any failure nothing partial is left (``crm.files.FileWriteFailed``)."""
        folder = private_dir(Path(out_dir)) / self.folder
        with atomic_dir(folder) as partial:
            for file in self.files:
                with file.open() as source, open_private(partial / file.name) as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            write_private(partial / "manifest.json", self.manifest_bytes())
        return folder

    def zip_bytes(self) -> bytes:
        """The folder as a zip (for the app's download button)."""
        buffer = io.BytesIO()
        stamp = dt.datetime.fromisoformat(self.manifest["generated_at"]).timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in self.files:
                info = zipfile.ZipInfo(f"{self.folder}/{file.name}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                with file.open() as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            info = zipfile.ZipInfo(f"{self.folder}/manifest.json", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, self.manifest_bytes())
        return buffer.getvalue()


@dataclass(frozen=True)
class Week:
    year: int
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        return iso_week_bounds(self.year, self.week)

    @property
    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        """Monday 00:00 and the next Monday 00:00, Japan time (end exclusive)."""
        monday, _ = self.days
        start = dt.datetime.combine(monday, dt.time(), JST)
        return start, start + dt.timedelta(days=7)

    @property
    def stored_instants(self) -> tuple[dt.datetime, dt.datetime]:
        """The same instants in UTC, as the database stores timestamps (a Japan-time value
        could be compared by its wall clock, nine hours off)."""
        start, end = self.instants
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    @classmethod
    def parse(cls, text: str) -> "Week":
        """'2026-W47' (also '2026W47', '2026-w47')."""
        cleaned = text.strip().upper().replace("-", "")
        try:
            year, week = cleaned.split("W")
            value = cls(int(year), int(week))
            value.days  # noqa: B018 - validates the week number for that year
        except ValueError:
            raise CrmError(
                f"週は 2026-W47 の形で指定してください（その年に存在する週番号）: {text}"
            ) from None
        return value

    @classmethod
    def last_complete(cls, now: dt.datetime | None = None) -> "Week":
        return cls(*last_complete_iso_week(now))


# --- reading the rows -----------------------------------------------------------------------


@dataclass
class _Lookups:
    """Names shown next to ids, loaded once per export."""

    session: Session
    categories: dict[int, TalentCategory]
    partners: dict[int, str]
    need_companies: dict[int, int] = field(default_factory=dict)
    company_names: dict[int, str] = field(default_factory=dict)
    status_dates: dict[int, dt.date | None] = field(default_factory=dict)

    def forget(self) -> None:
        self.need_companies.clear()
        self.company_names.clear()
        self.status_dates.clear()

    def load_companies(self, ids: Iterable[int]) -> None:
        wanted = sorted(i for i in set(ids) if i not in self.company_names)
        for chunk in _chunks(wanted):
            self.company_names.update(
                self.session.execute(
                    select(col(Company.id), col(Company.name)).where(col(Company.id).in_(chunk))
                ).all()
            )

    def load_status_dates(self, need_ids: Iterable[int]) -> None:
        """Each need's latest pipeline step date (状況の日付)."""
        wanted = sorted(i for i in set(need_ids) if i not in self.status_dates)
        table = table_of(NeedStatusChange)
        grouped = select(table.c.need_id, func.max(table.c.changed_on)).group_by(table.c.need_id)
        for chunk in _chunks(wanted):
            self.status_dates.update(
                self.session.execute(grouped.where(table.c.need_id.in_(chunk))).all()
            )

    def load_need_companies(self, need_ids: Iterable[int]) -> None:
        wanted = sorted(i for i in set(need_ids) if i not in self.need_companies)
        for chunk in _chunks(wanted):
            self.need_companies.update(
                self.session.execute(
                    select(col(TalentNeed.id), col(TalentNeed.company_id)).where(
                        col(TalentNeed.id).in_(chunk)
                    )
                ).all()
            )


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookups(session: Session) -> _Lookups:
    return _Lookups(
        session,
        categories={c.id: c for c in session.execute(select(TalentCategory)).scalars()},
        partners=dict(session.execute(select(col(Partner.id), col(Partner.name))).all()),
    )


def _scoped(statement, model, hubs: list[str] | None):
    return statement if hubs is None else statement.where(model.hub_code.in_(hubs))


def _company_id(entity: str, row, lookups: _Lookups) -> int | None:
    if entity == "referrals":
        return lookups.need_companies.get(row.need_id)
    if entity == "companies":
        return row.id
    return getattr(row, "company_id", None)


def _values(spec: EntitySpec, row, language: str, lookups: _Lookups, kind: str | None) -> list:
    values: list[object] = []
    for column in spec.columns:
        key = column.key
        value: Any  # a row attribute (plain Core row) or a name looked up for it
        if key == "company_name":
            company_id = _company_id(spec.name, row, lookups)
            value = None if company_id is None else lookups.company_names.get(company_id)
        elif key == "company_id" and spec.name == "referrals":
            value = lookups.need_companies.get(row.need_id)
        elif key == "status_changed_on":
            value = lookups.status_dates.get(row.id)
        elif key == "partner_name":
            value = lookups.partners.get(row.partner_id)
        elif key == "category":
            category = lookups.categories.get(row.category_id)
            value = (
                None
                if category is None
                else (category.name_ja if language == "ja" else category.code)
            )
        elif key == "entry_kind":
            value = None if kind is None else ENTRY_KINDS[kind][language]
        else:
            value = getattr(row, key)
        if value is None:
            values.append(None)
        elif column.enum is not None:
            values.append(column.enum(value).label if language == "ja" else value)
        elif column.kind == STAMP:
            values.append(to_jst(value).strftime("%Y-%m-%d %H:%M:%S"))
        elif isinstance(value, dt.date):
            values.append(value.isoformat())
        else:
            values.append(value)
    return values


@contextmanager
def _rendering(folder: str) -> Iterator[tuple[ExportBundle, Scratch]]:
    """A new bundle and the scratch folder its files are rendered into; if rendering fails,
    the folder is removed before the error goes on."""
    scratch = Scratch()
    bundle = ExportBundle(folder, [], scratch=scratch)
    try:
        yield bundle, scratch
    except BaseException:
        bundle.close()
        raise


def _render(
    scratch: Scratch,
    spec: EntitySpec,
    chunks: Iterable[list],
    language: str,
    encoding: str,
    lookups: _Lookups,
    problems: list[Unencodable],
    kinds: dict[int, str] | None = None,
    *,
    bounded: bool = False,
) -> ExportFile:
    """Write ``spec``'s file from ``chunks`` of rows, loading the names each chunk shows;
    ``bounded``: forget them after each chunk, so memory stays flat in the table's size."""

    def lines() -> Iterable[tuple[object, Sequence]]:
        for rows in chunks:
            if spec.name == "referrals":
                lookups.load_need_companies(r.need_id for r in rows)
            if spec.name == "needs":
                lookups.load_status_dates(r.id for r in rows)
            if any(c.key == "company_name" for c in spec.columns):
                lookups.load_companies(
                    cid for r in rows if (cid := _company_id(spec.name, r, lookups)) is not None
                )
            for row in rows:
                yield row.id, _values(spec, row, language, lookups, (kinds or {}).get(row.id))
            if bounded:
                lookups.forget()

    return _render_file(scratch, spec, language, lines(), encoding, problems)


def _in_chunks(session: Session, model, hubs: list[str] | None, size: int = 5_000):
    """Every row of ``model`` in the hubs, by id, ``size`` rows at a time (keyset pages: a
    national table is never held whole, and no cursor stays open between pages)."""
    table = table_of(model)
    last = 0
    while True:
        statement = _scoped(select(table).where(table.c.id > last), model, hubs)
        rows = list(session.execute(statement.order_by(table.c.id).limit(size)))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _check_options(encoding: str, language: str) -> None:
    if encoding not in ENCODINGS:
        raise CrmError(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです: {encoding}")
    if language not in HEADER_LANGUAGES:
        raise CrmError(f"見出しは ja または en です: {language}")


# Fields whose change is a step of the pipeline (reported in the status column with its date),
# never a correction; and bookkeeping fields that every update touches.
PIPELINE_FIELDS = {"needs": {"status"}, "referrals": {"outcome"}}
BOOKKEEPING_FIELDS = {"version", "updated_at", "updated_by"}
AUDIT_ENTITIES = {name: entity_name(model) for name, model in MODELS.items()}


def _week_edits(
    session: Session, spec: EntitySpec, week: Week, hubs: list[str] | None
) -> dict[int, set[str]]:
    """What the audit trail says each update during the week did to a row of this entity:
    ``"corrected"`` (a field that already held a value was changed), ``"filled"`` (a field
    was filled in for the first time), ``"status"`` (a pipeline step)."""
    start, end = week.stored_instants
    statement = select(col(AuditLog.entity_id), col(AuditLog.changes)).where(
        col(AuditLog.action) == "update",
        col(AuditLog.entity) == AUDIT_ENTITIES[spec.name],
        col(AuditLog.at) >= start,
        col(AuditLog.at) < end,
    )
    if hubs is not None:
        statement = statement.where(col(AuditLog.hub_code).in_(hubs))
    pipeline = PIPELINE_FIELDS.get(spec.name, set())
    edits: dict[int, set[str]] = {}
    for entity_id, changes in session.execute(statement):
        if entity_id is None or not str(entity_id).isdigit():
            continue
        found = edits.setdefault(int(entity_id), set())
        for key, (before, _after) in json.loads(changes or "{}").items():
            if key in BOOKKEEPING_FIELDS:
                continue
            if key in pipeline:
                found.add("status")
            elif before is None or before == "":
                found.add("filled")
            else:
                found.add("corrected")
    return edits


def _status_moves(session: Session, week: Week, hubs: list[str] | None) -> set[int]:
    """Needs with a pipeline step dated or entered in the week."""
    monday, sunday = week.days
    start, end = week.stored_instants
    table = table_of(NeedStatusChange)
    # A union, not an OR: each side is answered by its own index (migration 0013).
    stepped = union(
        select(table.c.id).where(table.c.changed_on.between(monday, sunday)),
        select(table.c.id).where(table.c.changed_at >= start, table.c.changed_at < end),
    )
    moved = _scoped(
        select(table.c.need_id).where(table.c.id.in_(stepped)),
        NeedStatusChange,
        hubs,
    )
    return set(session.execute(moved).scalars())


def _week_rows(session: Session, spec: EntitySpec, week: Week, hubs: list[str] | None):
    """Rows dated in the week, earlier-dated rows entered or edited during it and (needs)
    earlier needs that moved along the pipeline in it, by id, with each row's 区分:

    - 当週: dated in the week;
    - 遅延入力: dated earlier and entered during the week (or a blank field filled in);
    - 訂正: dated earlier, entered before the week, and a field that already held a value was
      edited during the week (from the audit trail; an update the trail does not itemise, such
      as a CSV import, counts as a correction too);
    - 状況変更: only a pipeline step (a need's 状況, a referral's 結果) happened in the week;
      needs carry the step's date in 状況の日付.
    """
    model = MODELS[spec.name]
    table = table_of(model)
    monday, sunday = week.days
    start, end = week.stored_instants
    dates = [table.c[key] for key in spec.date_keys]
    in_week = or_(*(d.between(monday, sunday) for d in dates))
    before = and_(*(or_(d < monday, d.is_(None)) for d in dates))
    touched = or_(
        and_(table.c.created_at >= start, table.c.created_at < end),
        and_(table.c.updated_at >= start, table.c.updated_at < end),
    )
    moved: set[int] = set()
    if spec.name == "needs":
        moved = _status_moves(session, week, hubs)
    # Candidates by a union of index ranges (each date in the week, entered or edited in the
    # week; migration 0013), then the exact condition: an OR across columns would scan.
    candidates = union(
        *(select(table.c.id).where(d.between(monday, sunday)) for d in dates),
        select(table.c.id).where(table.c.created_at >= start, table.c.created_at < end),
        select(table.c.id).where(table.c.updated_at >= start, table.c.updated_at < end),
    )
    statement = _scoped(
        select(table).where(table.c.id.in_(candidates), or_(in_week, and_(before, touched))),
        model,
        hubs,
    )
    rows = {row.id: row for row in session.execute(statement)}
    missing = sorted(moved - set(rows))
    for chunk in _chunks(missing):
        rows.update(
            (row.id, row) for row in session.execute(select(table).where(table.c.id.in_(chunk)))
        )
    edits = _week_edits(session, spec, week, hubs)
    kinds: dict[int, str] = {}
    for row_id, row in rows.items():
        done = edits.get(row_id, set())
        if any(monday <= (getattr(row, k) or dt.date.min) <= sunday for k in spec.date_keys):
            kinds[row_id] = "week"
        elif start <= _utc(row.created_at) < end:
            kinds[row_id] = "late"
        elif "corrected" in done:
            kinds[row_id] = "corrected"
        elif "filled" in done:
            kinds[row_id] = "late"
        elif "status" in done or row_id in moved:
            kinds[row_id] = "status"
        else:
            kinds[row_id] = "corrected"
    return [rows[row_id] for row_id in sorted(rows)], kinds


def _utc(stamp: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC value (naive values are UTC)."""
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _finish(
    session: Session,
    actor: Actor,
    bundle: ExportBundle,
    kind: str,
    hubs: list[str] | None,
    encoding: str,
    language: str,
    problems: list[Unencodable],
    extra: dict,
) -> ExportBundle:
    if problems:
        bundle.close()
        raise EncodingRefused(problems)
    generated = now_jst().replace(microsecond=0)
    bundle.manifest = {
        "format": FORMAT,
        "kind": kind,
        **extra,
        "hubs": "all" if hubs is None else hubs,
        "encoding": encoding,
        "headers": language,
        "line_ending": "CRLF",
        "generated_at": generated.isoformat(),
        "generated_by": {
            "username": actor.username,
            "display_name": actor.display_name,
            "role": actor.role.value,
        },
        "files": [
            {
                "name": f.name,
                "entity": f.entity,
                "rows": f.rows,
                "bytes": f.size,
                "sha256": f.sha256,
                "columns": f.columns,
            }
            for f in bundle.files
        ],
    }
    record_audit(
        session,
        actor,
        "export",
        entity=kind,
        hub_code=hubs[0] if hubs and len(hubs) == 1 else None,
        detail=json.dumps(
            {
                "folder": bundle.folder,
                "encoding": encoding,
                "headers": language,
                **extra,
                "hubs": bundle.manifest["hubs"],
                "rows": bundle.row_counts(),
            },
            ensure_ascii=False,
        ),
    )
    return bundle


def _folder(base: str, hubs: list[str] | None) -> str:
    return base if hubs is None else f"{base}_hub{'-'.join(hubs)}"


def weekly_export(
    session: Session,
    actor: Actor,
    week: Week | None = None,
    *,
    hub: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    headers: str = "ja",
    now: dt.datetime | None = None,
) -> ExportBundle:
    """The week's files for every hub the actor may read (or just ``hub``).

    Records the export in the audit log (in the caller's transaction). Raises EncodingRefused
    when ``encoding='cp932'`` cannot hold some value, PermissionDenied for another hub.
    """
    _check_options(encoding, headers)
    week = week or Week.last_complete(now)
    hubs = allowed_hubs(actor, [hub] if hub else None)
    lookups = _lookups(session)
    problems: list[Unencodable] = []
    rows_by_entity, kinds_by_entity = {}, {}
    for name, spec in HUB_ENTITIES.items():
        if name == "companies":
            continue
        rows, kinds = _week_rows(session, spec, week, hubs)
        rows_by_entity[name], kinds_by_entity[name] = rows, kinds
    lookups.load_need_companies(r.need_id for r in rows_by_entity["referrals"])
    company_ids = {
        cid
        for name, rows in rows_by_entity.items()
        for r in rows
        if (cid := _company_id(name, r, lookups)) is not None
    }
    start, end = week.instants
    stored_start, stored_end = week.stored_instants
    touched = _scoped(
        select(col(Company.id)).where(
            or_(
                and_(col(Company.created_at) >= stored_start, col(Company.created_at) < stored_end),
                and_(col(Company.updated_at) >= stored_start, col(Company.updated_at) < stored_end),
            )
        ),
        Company,
        hubs,
    )
    company_ids |= set(session.execute(touched).scalars())
    companies: list[Row[*tuple[Any, ...]]] = []
    for chunk in _chunks(sorted(company_ids)):
        companies += session.execute(select(table_of(Company)).where(col(Company.id).in_(chunk)))
    with _rendering(_folder(week.label, hubs)) as (bundle, scratch):
        bundle.files.append(
            _render(
                scratch,
                HUB_ENTITIES["companies"],
                [sorted(companies, key=lambda c: c.id)],
                headers,
                encoding,
                lookups,
                problems,
            )
        )
        for name, rows in rows_by_entity.items():
            bundle.files.append(
                _render(
                    scratch,
                    HUB_ENTITIES[name],
                    [rows],
                    headers,
                    encoding,
                    lookups,
                    problems,
                    kinds_by_entity[name],
                )
            )
        bundle.files.append(
            _summary(
                scratch,
                session,
                week,
                hubs,
                headers,
                encoding,
                kinds_by_entity,
                rows_by_entity,
                problems,
            )
        )
    monday, sunday = week.days
    period = {
        "week": week.label,
        "period": {
            "first_day": monday.isoformat(),
            "last_day": sunday.isoformat(),
            "start": start.isoformat(),
            "end_exclusive": end.isoformat(),
            "timezone": "Asia/Tokyo",
            "start_utc": start.astimezone(dt.UTC).isoformat(),
            "end_exclusive_utc": end.astimezone(dt.UTC).isoformat(),
        },
    }
    return _finish(session, actor, bundle, "weekly", hubs, encoding, headers, problems, period)


def full_export(
    session: Session,
    actor: Actor,
    *,
    hub: str | None = None,
    encoding: str = DEFAULT_ENCODING,
    headers: str = "ja",
) -> ExportBundle:
    """Every record the actor may read (or of ``hub``), plus the partners they refer to;
    the files an empty database can be rebuilt from with ``crm import all``."""
    _check_options(encoding, headers)
    hubs = allowed_hubs(actor, [hub] if hub else None)
    lookups = _lookups(session)
    problems: list[Unencodable] = []
    with _rendering(_folder(f"full_{now_jst():%Y-%m-%d}", hubs)) as (bundle, scratch):
        bundle.files.append(
            _render(
                scratch,
                ENTITIES["partners"],
                _in_chunks(session, Partner, None),
                headers,
                encoding,
                lookups,
                problems,
            )
        )
        for name, spec in FULL_ENTITIES.items():
            # Plain rows in keyset pages, written as they are read: memory stays flat.
            chunks = _in_chunks(session, MODELS[name], hubs)
            bundle.files.append(
                _render(scratch, spec, chunks, headers, encoding, lookups, problems, bounded=True)
            )
    return _finish(session, actor, bundle, "full", hubs, encoding, headers, problems, {})


# --- summary --------------------------------------------------------------------------------


def _summary(
    scratch: Scratch,
    session: Session,
    week: Week,
    hubs: list[str] | None,
    language: str,
    encoding: str,
    kinds: dict[str, dict[int, str]],
    rows: dict[str, list],
    problems: list[Unencodable],
) -> ExportFile:
    monday, sunday = week.days
    # From the counts kept on write (whole months) and the rows of the partial months.
    measures = ("consultations", "needs", "referrals", "placements", "follow_ups_done")
    week_counts = {name: counted.per_hub(session, name, monday, sunday, hubs) for name in measures}
    totals = {name: counted.per_hub(session, name, None, sunday, hubs) for name in measures}
    late: Counter[str] = Counter()
    moved: Counter[str] = Counter()
    for entity, entity_rows in rows.items():
        for row in entity_rows:
            kind = kinds[entity][row.id]
            if kind in ("late", "corrected"):
                late[row.hub_code] += 1
            elif kind == "status":
                moved[row.hub_code] += 1
    hub_name = col(Hub.name_ja) if language == "ja" else col(Hub.name_en)
    names = dict(session.execute(select(col(Hub.code), hub_name)).all())
    if hubs is None:
        codes = set(session.execute(select(col(Hub.code)).where(col(Hub.active))).scalars())
        for counter in (*week_counts.values(), *totals.values()):
            codes |= set(counter)
    else:
        codes = set(hubs)
    lines = []
    for code in sorted(codes):
        lines.append(
            [
                code,
                names.get(code),
                week.label,
                *(week_counts[m][code] for m in measures),
                late[code],
                *(totals[m][code] for m in measures),
                moved[code],
            ]
        )
    if len(lines) > 1:
        lines.append(
            [
                "",
                "合計" if language == "ja" else "Total",
                week.label,
                *(sum(column) for column in list(zip(*lines, strict=True))[3:]),
            ]
        )
    return _render_file(
        scratch,
        SUMMARY,
        language,
        ((line[0] or "total", line) for line in lines),
        encoding,
        problems,
    )
