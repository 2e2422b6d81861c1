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
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, SQLModel

from crm.actor import Actor
from crm.analytics.trend import allowed_hubs
from crm.csvio.columns import (
    ENTITIES,
    ENTRY_KINDS,
    HUB_ENTITIES,
    STAMP,
    SUMMARY,
    EntitySpec,
)
from crm.csvio.excel import DEFAULT_ENCODING, ENCODINGS, EncodingRefused, Unencodable, render_csv
from crm.errors import CrmError
from crm.models import (
    Company,
    Consultation,
    FollowUp,
    Hub,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
)
from crm.services.base import record_audit
from crm.timeutil import JST, iso_week_bounds, last_complete_iso_week, now_jst, to_jst

FORMAT = "talent-hub-crm-export/1"
HEADER_LANGUAGES = ("ja", "en")
MODELS: dict[str, type[SQLModel]] = {
    "companies": Company,
    "consultations": Consultation,
    "needs": TalentNeed,
    "referrals": Referral,
    "placements": Placement,
    "follow_ups": FollowUp,
    "partners": Partner,
}


@dataclass(frozen=True)
class ExportFile:
    name: str
    entity: str
    rows: int
    data: bytes
    columns: list[str]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ExportBundle:
    folder: str
    files: list[ExportFile]
    manifest: dict = field(default_factory=dict)

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def row_counts(self) -> dict[str, int]:
        return {f.name: f.rows for f in self.files}

    def write_to(self, out_dir: Path) -> Path:
        """Write ``out_dir/<folder>/`` (replacing files of the same names) and return it."""
        folder = Path(out_dir) / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        for file in self.files:
            (folder / file.name).write_bytes(file.data)
        (folder / "manifest.json").write_bytes(self.manifest_bytes())
        return folder

    def zip_bytes(self) -> bytes:
        """The folder as a zip (for the app's download button)."""
        buffer = io.BytesIO()
        stamp = dt.datetime.fromisoformat(self.manifest["generated_at"]).timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in [
                *((f.name, f.data) for f in self.files),
                ("manifest.json", self.manifest_bytes()),
            ]:
                info = zipfile.ZipInfo(f"{self.folder}/{name}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
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

    def load_companies(self, ids: Iterable[int]) -> None:
        wanted = sorted(set(ids) - set(self.company_names))
        for chunk in _chunks(wanted):
            self.company_names.update(
                self.session.execute(
                    select(Company.id, Company.name).where(Company.id.in_(chunk))
                ).all()
            )

    def load_need_companies(self, need_ids: Iterable[int]) -> None:
        wanted = sorted(set(need_ids) - set(self.need_companies))
        for chunk in _chunks(wanted):
            self.need_companies.update(
                self.session.execute(
                    select(TalentNeed.id, TalentNeed.company_id).where(TalentNeed.id.in_(chunk))
                ).all()
            )


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lookups(session: Session) -> _Lookups:
    return _Lookups(
        session,
        categories={c.id: c for c in session.execute(select(TalentCategory)).scalars()},
        partners=dict(session.execute(select(Partner.id, Partner.name)).all()),
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
    values = []
    for column in spec.columns:
        key = column.key
        if key == "company_name":
            value = lookups.company_names.get(_company_id(spec.name, row, lookups))
        elif key == "company_id" and spec.name == "referrals":
            value = lookups.need_companies.get(row.need_id)
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


def _render(
    spec: EntitySpec,
    rows: list,
    language: str,
    encoding: str,
    lookups: _Lookups,
    problems: list[Unencodable],
    kinds: dict[int, str] | None = None,
) -> ExportFile:
    if spec.name == "referrals":
        lookups.load_need_companies(r.need_id for r in rows)
    if any(c.key == "company_name" for c in spec.columns):
        lookups.load_companies(
            cid for r in rows if (cid := _company_id(spec.name, r, lookups)) is not None
        )
    data, count = render_csv(
        spec.headers(language),
        (
            (row.id, _values(spec, row, language, lookups, (kinds or {}).get(row.id)))
            for row in rows
        ),
        encoding=encoding,
        file_name=spec.file_name,
        problems=problems,
    )
    return ExportFile(spec.file_name, spec.name, count, data, spec.headers(language))


def _check_options(encoding: str, language: str) -> None:
    if encoding not in ENCODINGS:
        raise CrmError(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです: {encoding}")
    if language not in HEADER_LANGUAGES:
        raise CrmError(f"見出しは ja または en です: {language}")


def _week_rows(session: Session, spec: EntitySpec, week: Week, hubs: list[str] | None):
    """Rows dated in the week, and earlier-dated rows entered or corrected during it, by id,
    with each row's 区分."""
    model = MODELS[spec.name]
    monday, sunday = week.days
    start, end = week.instants
    dates = [getattr(model, key) for key in spec.date_keys]
    in_week = or_(*(d.between(monday, sunday) for d in dates))
    before = and_(*(or_(d < monday, d.is_(None)) for d in dates))
    touched = or_(
        and_(model.created_at >= start, model.created_at < end),
        and_(model.updated_at >= start, model.updated_at < end),
    )
    statement = _scoped(
        select(model.__table__).where(or_(in_week, and_(before, touched))), model, hubs
    )
    rows = list(session.execute(statement.order_by(model.id)))
    kinds = {}
    for row in rows:
        if any(monday <= (getattr(row, k) or dt.date.min) <= sunday for k in spec.date_keys):
            kinds[row.id] = "week"
        elif start <= to_jst(row.created_at) < end:
            kinds[row.id] = "late"
        else:
            kinds[row.id] = "corrected"
    return rows, kinds


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
                "bytes": len(f.data),
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
    files, rows_by_entity, kinds_by_entity = [], {}, {}
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
    touched = _scoped(
        select(Company.id).where(
            or_(
                and_(Company.created_at >= start, Company.created_at < end),
                and_(Company.updated_at >= start, Company.updated_at < end),
            )
        ),
        Company,
        hubs,
    )
    company_ids |= set(session.execute(touched).scalars())
    companies = []
    for chunk in _chunks(sorted(company_ids)):
        companies += session.execute(select(Company.__table__).where(Company.id.in_(chunk)))
    files.append(
        _render(
            HUB_ENTITIES["companies"],
            sorted(companies, key=lambda c: c.id),
            headers,
            encoding,
            lookups,
            problems,
        )
    )
    for name, rows in rows_by_entity.items():
        files.append(
            _render(
                HUB_ENTITIES[name],
                rows,
                headers,
                encoding,
                lookups,
                problems,
                kinds_by_entity[name],
            )
        )
    files.append(
        _summary(session, week, hubs, headers, encoding, kinds_by_entity, rows_by_entity, problems)
    )
    bundle = ExportBundle(_folder(week.label, hubs), files)
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
    files = [
        _render(
            ENTITIES["partners"],
            list(session.execute(select(Partner.__table__).order_by(Partner.id))),
            headers,
            encoding,
            lookups,
            problems,
        )
    ]
    for name, spec in HUB_ENTITIES.items():
        model = MODELS[name]
        # Plain rows rather than ORM objects: a national export reads hundreds of thousands.
        rows = list(
            session.execute(_scoped(select(model.__table__), model, hubs).order_by(model.id))
        )
        files.append(_render(spec, rows, headers, encoding, lookups, problems))
    bundle = ExportBundle(_folder(f"full_{now_jst():%Y-%m-%d}", hubs), files)
    return _finish(session, actor, bundle, "full", hubs, encoding, headers, problems, {})


# --- summary --------------------------------------------------------------------------------


def _counts(session: Session, model, condition, hubs: list[str] | None) -> Counter:
    statement = select(model.hub_code, func.count()).where(condition).group_by(model.hub_code)
    return Counter(dict(session.execute(_scoped(statement, model, hubs)).all()))


def _summary(
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
    measures: dict[str, tuple[type, Callable]] = {
        "consultations": (Consultation, lambda m: m.consulted_on),
        "needs": (TalentNeed, lambda m: m.opened_on),
        "referrals": (Referral, lambda m: m.referred_on),
        "placements": (Placement, lambda m: m.placed_on),
        "follow_ups_done": (FollowUp, lambda m: m.done_on),
    }
    week_counts = {
        name: _counts(session, model, date(model).between(monday, sunday), hubs)
        for name, (model, date) in measures.items()
    }
    totals = {
        name: _counts(session, model, date(model) <= sunday, hubs)
        for name, (model, date) in measures.items()
    }
    late = Counter()
    for entity, entity_rows in rows.items():
        for row in entity_rows:
            if kinds[entity][row.id] != "week":
                late[row.hub_code] += 1
    names = dict(
        session.execute(select(Hub.code, Hub.name_ja if language == "ja" else Hub.name_en)).all()
    )
    if hubs is None:
        codes = set(session.execute(select(Hub.code).where(Hub.active)).scalars())
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
    data, count = render_csv(
        SUMMARY.headers(language),
        ((line[0] or "total", line) for line in lines),
        encoding=encoding,
        file_name=SUMMARY.file_name,
        problems=problems,
    )
    return ExportFile(SUMMARY.file_name, SUMMARY.name, count, data, SUMMARY.headers(language))
