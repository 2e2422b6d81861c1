"""Search as people type: firms by their folded keys, needs and consultations by their text.

Firms are matched on ``company.search_key`` (name and kana folded by ``crm.textnorm``:
hiragana = katakana, half- = full-width, ㈱ = (株) = 株式会社, spaces ignored) and listed in
五十音 order of their kana (``kana_key``; firms without kana follow, by name). Needs (role
title) and consultations (summary) are matched on their stored text with the query in each
of its kana forms. Every search is limited to the reader's hubs; merged firms are left out.
"""

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jaconv
from sqlalchemy import (
    Connection,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    table,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.auth.scope import scope_filter
from crm.db import SEARCH_TABLE
from crm.models import Company, Consultation, TalentNeed
from crm.textnorm import company_keys, search_text
from crm.validation import normalize_text

KEY_COLUMNS = ("search_key", "name_key", "kana_key")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


TRIGRAM = 3  # the shortest query the trigram index answers
SHORT_TABLE = "company_search_short"  # one- and two-character windows (migration 0012)
# What the short table's tokenizer keeps in a token (migration 0012): a query with any other
# character (none survives folding but the tab, which no query holds) reads the column.
_TOKEN_CLASSES = "LNMPS"  # letters, digits, marks, punctuation, symbols; and private use (Co)


def _tokenizable(key: str) -> bool:
    return all(
        (category := unicodedata.category(c))[0] in _TOKEN_CLASSES or category == "Co" for c in key
    )


def _fts_match(table_name: str, expression: str) -> Any:
    """Firm ids the SQLite FTS5 table ``table_name`` finds for ``expression``."""
    found: Any = sa_select(literal_column("rowid")).select_from(table(table_name))
    return col(Company.id).in_(
        found.where(sql_text(f"{table_name} MATCH :expression").bindparams(expression=expression))
    )


def _key_contains(key: str, dialect: str | None) -> Any:
    """``search_key`` contains ``key``. Three characters or more: through the FTS5 trigram
    table on SQLite (migration 0010), through LIKE on PostgreSQL, which its pg_trgm index
    answers. One or two: the short index (migration 0012) finds the candidates and LIKE
    confirms them. ``dialect`` None reads the column (the unindexed search)."""
    like = col(Company.search_key).like(f"%{_like_escape(key)}%", escape="\\")
    phrase = '"' + key.replace('"', '""') + '"'  # one FTS5 phrase: the text as typed
    if dialect == "sqlite":
        if len(key) >= TRIGRAM:
            return _fts_match(SEARCH_TABLE, phrase)
        if _tokenizable(key):
            # Every window starts at a character: one character is a prefix of the windows.
            return and_(_fts_match(SHORT_TABLE, phrase if len(key) == 2 else f"{phrase}*"), like)
    elif dialect == "postgresql" and len(key) < TRIGRAM:
        grams = func.crm_short_grams(col(Company.search_key))
        return and_(grams.op("@>")(postgresql.array([cast(literal(key), Text)])), like)
    return like


def match_companies(statement: Any, query: str | None, dialect: str | None = None) -> Any:
    """Firms not merged away whose folded name or kana, or corporate number, contains
    ``query``; ``dialect`` (the session's) chooses the index."""
    statement = statement.where(col(Company.merged_into).is_(None))
    key = search_text(query)
    if not key:
        return statement
    # Corporate numbers are stored as 13 bare digits; people type them grouped.
    digits = key.replace("-", "")
    if len(digits) == 13 and digits.isdigit():
        # A whole corporate number: the unique index answers, not a scan of every name.
        return statement.where(col(Company.corporate_number) == digits)
    conditions = [_key_contains(key, dialect)]
    if digits.isdigit():
        conditions.append(col(Company.corporate_number).like(f"%{digits}%"))
    return statement.where(or_(*conditions))


def _binary(session: Session, column: Any) -> Any:
    """The column compared by code point (PostgreSQL's locale collation would not keep kana
    in 五十音 order; SQLite compares code points already)."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def gojuon_order(session: Session) -> list[Any]:
    """ORDER BY for firm lists: by kana in 五十音 order, firms without kana last by name."""
    return [
        case((col(Company.kana_key).is_(None), 1), else_=0),
        _binary(session, col(Company.kana_key)),
        _binary(session, col(Company.name)),
        col(Company.id),
    ]


def refresh_company_keys(session: Session, company_ids: Iterable[int] | None = None) -> int:
    """Recompute the derived keys of the given firms (every firm when None) where they differ
    from name and kana; for bulk writers that bypass the services (the demo loader, imports).
    Returns how many firms changed."""
    statement = select(
        Company.id, Company.name, Company.kana, *(getattr(Company, k) for k in KEY_COLUMNS)
    )
    if company_ids is not None:
        wanted = sorted(set(company_ids))
        if not wanted:
            return 0
        statement = statement.where(col(Company.id).in_(wanted))
    stale = []
    for row_id, name, kana, *stored in session.exec(statement).all():
        keys = company_keys(name, kana)
        if [keys[k] for k in KEY_COLUMNS] != stored:
            stale.append({"row_id": row_id, **keys})
    table = Company.__table__  # type: ignore[attr-defined]
    for start in range(0, len(stale), 5_000):
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({k: bindparam(k) for k in KEY_COLUMNS}),
            stale[start : start + 5_000],
        )
    return len(stale)


# --- the firm-search tables after a bulk load (SQLite) ------------------------------------------

# The triggers that add an inserted firm to the two FTS5 tables (migrations 0010 and 0012); a
# bulk load sets them aside and calls ``index_loaded_firms`` instead (crm.demo.derived).
SEARCH_INSERT_TRIGGERS = ("company_search_insert", "company_search_short_insert")
# Every window of two characters of the key (the last character alone ends it), as the short
# table's insert trigger cuts them (migration 0012's ``_windows``, which the migration keeps
# as it was: the two must stay equal).
_SHORT_WINDOWS = (
    "(SELECT group_concat(substr(c.search_key, n, 2), ' ') FROM company_search_position"
    " WHERE n <= length(c.search_key))"
)


def index_loaded_firms(connection: Connection, first_id: int) -> None:
    """Add the firms from ``first_id`` on to SQLite's firm-search tables, as their insert
    triggers would have row by row, in one statement per table. Elsewhere nothing: the
    PostgreSQL search is indexes, which the database keeps itself."""
    if connection.dialect.name != "sqlite":
        return
    connection.execute(
        sql_text(
            f"INSERT INTO {SEARCH_TABLE}(rowid, search_key)"
            " SELECT c.id, c.search_key FROM company AS c WHERE c.id >= :first ORDER BY c.id"
        ),
        {"first": first_id},
    )
    connection.execute(
        sql_text(
            f"INSERT INTO {SHORT_TABLE}(rowid, grams) SELECT c.id, {_SHORT_WINDOWS}"
            " FROM company AS c WHERE c.id >= :first AND c.search_key IS NOT NULL ORDER BY c.id"
        ),
        {"first": first_id},
    )


# --- one search box ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FirmHit:
    company_id: int
    name: str
    kana: str | None
    hub_code: str


@dataclass(frozen=True)
class NeedHit:
    need_id: int
    role_title: str
    company_name: str
    opened_on: dt.date
    status: str
    hub_code: str


@dataclass(frozen=True)
class ConsultationHit:
    consultation_id: int
    company_id: int
    company_name: str
    consulted_on: dt.date
    summary: str
    hub_code: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    firms: list[FirmHit]
    needs: list[NeedHit]
    consultations: list[ConsultationHit]

    @property
    def empty(self) -> bool:
        return not (self.firms or self.needs or self.consultations)


def text_variants(query: str | None) -> list[str]:
    """The query as typed and NFKC-folded, in katakana and in hiragana, and with its letters
    and digits full-width, for matching stored text (kept as typed: ＤＸ and DX both occur)."""
    text = normalize_text(query) or ""
    typed = (query or "").strip()
    wide = jaconv.h2z(text, kana=False, ascii=True, digit=True)
    forms = {text, typed, wide}
    variants = {v for form in forms for v in (form, jaconv.hira2kata(form), jaconv.kata2hira(form))}
    return sorted(v for v in variants if v)


def _text_matches(column: InstrumentedAttribute, variants: list[str]) -> Any:
    return or_(*(col(column).ilike(f"%{_like_escape(v)}%", escape="\\") for v in variants))


FIRMS, NEEDS, CONSULTATIONS = "firms", "needs", "consultations"
KINDS = (FIRMS, NEEDS, CONSULTATIONS)


def _hit_statements(
    session: Session, actor: Actor, text: str | None, hubs: Sequence[str]
) -> dict[str, Any] | None:
    """Per kind of record, the statement selecting its hits in display order (None: nothing
    to search for)."""
    variants = text_variants(text)
    if not variants:
        return None
    firms = match_companies(
        scope_filter(
            select(Company.id, Company.name, Company.kana, Company.hub_code),
            actor,
            Company.hub_code,
            hubs,
        ),
        text,
        session.get_bind().dialect.name,
    ).order_by(*gojuon_order(session))
    needs = (
        scope_filter(
            sa_select(
                col(TalentNeed.id),
                col(TalentNeed.role_title),
                col(Company.name),
                col(TalentNeed.opened_on),
                col(TalentNeed.status),
                col(TalentNeed.hub_code),
            ).join(Company, col(Company.id) == TalentNeed.company_id),
            actor,
            TalentNeed.hub_code,
            hubs,
        )
        .where(_text_matches(TalentNeed.role_title, variants))  # type: ignore[arg-type]
        .order_by(col(TalentNeed.opened_on).desc(), col(TalentNeed.id).desc())
    )
    consultations = (
        scope_filter(
            sa_select(
                col(Consultation.id),
                col(Consultation.company_id),
                col(Company.name),
                col(Consultation.consulted_on),
                col(Consultation.summary),
                col(Consultation.hub_code),
            ).join(Company, col(Company.id) == Consultation.company_id),
            actor,
            Consultation.hub_code,
            hubs,
        )
        .where(_text_matches(Consultation.summary, variants))  # type: ignore[arg-type]
        .order_by(col(Consultation.consulted_on).desc(), col(Consultation.id).desc())
    )
    return {FIRMS: firms, NEEDS: needs, CONSULTATIONS: consultations}


def count_search_hits(
    session: Session, actor: Actor, text: str | None, hubs: Sequence[str] = ()
) -> dict[str, int]:
    """How many firms, needs and consultations match ``text`` (for the search page's pagers)."""
    statements = _hit_statements(session, actor, text, hubs)
    if statements is None:
        return dict.fromkeys(KINDS, 0)
    return {
        kind: int(
            session.execute(
                sa_select(func.count()).select_from(statement.order_by(None).subquery())
            ).scalar_one()
        )
        for kind, statement in statements.items()
    }


def search_everything(
    session: Session,
    actor: Actor,
    text: str | None,
    limit: int = 20,
    hubs: Sequence[str] = (),
    offsets: Mapping[str, int] | None = None,
) -> SearchResults:
    """Firms (name, kana, 法人番号), needs (role title) and consultations (summary) matching
    ``text`` in the reader's hubs (narrowed to ``hubs`` when given); a page of at most
    ``limit`` of each, firms in 五十音 order, records newest first. ``offsets`` names the
    kinds to read, each from its offset (a page showing one kind's page reads only that
    kind); None reads every kind from its first row."""
    statements = _hit_statements(session, actor, text, hubs)
    if statements is None:
        return SearchResults(query="", firms=[], needs=[], consultations=[])
    offsets = dict.fromkeys(KINDS, 0) if offsets is None else offsets
    found = {
        kind: session.execute(statement.offset(max(0, offsets[kind])).limit(limit)).all()
        if kind in offsets
        else []
        for kind, statement in statements.items()
    }
    return SearchResults(
        query=text_variants(text)[0],
        firms=[FirmHit(*row) for row in found[FIRMS]],
        needs=[NeedHit(*row) for row in found[NEEDS]],
        consultations=[ConsultationHit(*row) for row in found[CONSULTATIONS]],
    )
