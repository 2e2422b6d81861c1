"""Duplicate firms: caught before they are created, merged when they exist.

A firm is a likely duplicate of another firm of the same hub when their names are equal once
legal forms, spaces, width, kana style and punctuation are ignored (``company.name_key``,
see ``crm.textnorm``), or when their corporate numbers are equal. Creating such a firm needs
an explicit confirmation; importing one is reported as a warning.

Merging (a hub manager, within their own hub) moves every consultation, need, contact,
placement and follow-up of the merged firm to the kept one, each through the version-checked,
audited write path, and marks the merged firm ``merged_into`` the kept one, so its old address
(``?company=ID``) opens the kept firm.
"""

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, select

from crm import rules
from crm.actor import Actor
from crm.errors import ValidationError
from crm.models import Company, Consultation, Contact, FollowUp, Placement, TalentNeed
from crm.reference import Role
from crm.services.base import get_scoped, record_audit, update_row
from crm.textnorm import firm_name_key

# What a merge moves, in this order, with the Japanese label for messages and the audit entry.
MOVED: tuple[tuple[type[SQLModel], str], ...] = (
    (Consultation, "相談"),
    (TalentNeed, "人材ニーズ"),
    (Contact, "担当者"),
    (Placement, "成約"),
    (FollowUp, "フォローアップ"),
)
MAX_CHAIN = 20


@dataclass(frozen=True)
class DuplicateCandidate:
    company_id: int
    name: str
    kana: str | None
    corporate_number: str | None
    reason: str  # 名称が同じ / 法人番号が同じ

    def label(self) -> str:
        return f"{self.name}（企業ID {self.company_id}・{self.reason}）"


@dataclass(frozen=True)
class MergeResult:
    kept_id: int
    merged_id: int
    moved: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.moved.values())


def duplicate_candidates(
    session: Session,
    *,
    hub_code: str,
    name: str | None,
    corporate_number: str | None = None,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Firms of ``hub_code`` (not merged away) that look like the firm described."""
    key = firm_name_key(name)
    conditions = []
    if key:
        conditions.append(col(Company.name_key) == key)
    if corporate_number:
        conditions.append(col(Company.corporate_number) == corporate_number)
    if not conditions:
        return []
    statement = select(Company).where(
        Company.hub_code == hub_code, col(Company.merged_into).is_(None), or_(*conditions)
    )
    if exclude_id is not None:
        statement = statement.where(Company.id != exclude_id)
    candidates = []
    for firm in session.exec(statement.order_by(col(Company.id))).all():
        assert firm.id is not None
        same_number = bool(corporate_number) and firm.corporate_number == corporate_number
        candidates.append(
            DuplicateCandidate(
                company_id=firm.id,
                name=firm.name,
                kana=firm.kana,
                corporate_number=firm.corporate_number,
                reason="法人番号が同じ" if same_number else "名称が同じ",
            )
        )
    return candidates


class DuplicateFirm(ValidationError):
    """The firm looks like one already registered; carries the candidates."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        self.candidates = candidates
        listed = "、".join(c.label() for c in candidates[:5])
        more = f" ほか{len(candidates) - 5}社" if len(candidates) > 5 else ""
        super().__init__(
            {
                "name": f"同じ企業と思われる企業が登録されています: {listed}{more}。"
                "同じ企業ならその企業を使ってください。別の企業として登録するときは"
                "「似た企業があっても登録する」を選んでください。"
            }
        )


def require_no_duplicates(
    session: Session, *, hub_code: str, name: str | None, corporate_number: str | None
) -> None:
    candidates = duplicate_candidates(
        session, hub_code=hub_code, name=name, corporate_number=corporate_number
    )
    if candidates:
        raise DuplicateFirm(candidates)


def kept_company_id(session: Session, actor: Actor, company_id: int) -> int:
    """The firm a (possibly merged) firm's address leads to: itself, or where it was merged."""
    current = get_scoped(session, actor, Company, company_id)
    for _ in range(MAX_CHAIN):
        if current.merged_into is None:
            break
        current = get_scoped(session, actor, Company, current.merged_into)
    assert current.id is not None
    return current.id


def require_not_merged(
    session: Session, company: Company | int | None, field: str = "company_id"
) -> None:
    """Refuse a new or changed record of (or under) a firm merged into another
    (``rules.firm_not_merged``: the message names the firm it was merged into). Every service
    write calls this once with the firm of the record it writes.

    The firm's merge mark is read from the database under a shared row lock (PostgreSQL), so a
    merge committing at the same moment is waited for, not missed."""
    company_id = company.id if isinstance(company, Company) else company
    if company_id is None:
        return
    mark = session.execute(
        select(Company.name, Company.merged_into)
        .where(Company.id == company_id)
        .with_for_update(read=True)
    ).first()
    if mark is None or mark.merged_into is None:
        return
    kept: Company | None = None
    target: int | None = mark.merged_into
    for _ in range(MAX_CHAIN):  # B into A, later A into C: name C
        kept = session.get(Company, target, populate_existing=True)
        if kept is None or kept.merged_into is None:
            break
        target = kept.merged_into
    if kept is None or kept.id is None:
        return
    rules.require(rules.firm_not_merged(mark.name, (kept.id, kept.name), field))


def merge_companies(
    session: Session,
    actor: Actor,
    *,
    keep_id: int,
    keep_version: int,
    merge_id: int,
    merge_version: int,
) -> MergeResult:
    """Move every record of firm ``merge_id`` to firm ``keep_id`` and retire ``merge_id``.

    Both versions are the ones the user saw: if either firm changed meanwhile the merge is
    refused (StaleVersion) and nothing is written (the caller's transaction rolls back)."""
    actor.require_role(Role.HUB_MANAGER)
    if keep_id == merge_id:
        raise ValidationError({"merge_id": "同じ企業どうしは統合できません"})
    kept = get_scoped(session, actor, Company, keep_id)
    merged = get_scoped(session, actor, Company, merge_id)
    actor.require_write(kept.hub_code)
    actor.require_write(merged.hub_code)
    if kept.hub_code != merged.hub_code:
        raise ValidationError({"merge_id": "別の拠点の企業とは統合できません"})
    for firm in (kept, merged):
        if firm.merged_into is not None:
            raise ValidationError(
                {"merge_id": f"{firm.name}（企業ID {firm.id}）は既に統合済みです"}
            )
    number = merged.corporate_number
    # The merged firm gives up its corporate number (unique) to the kept firm if it has none.
    update_row(
        session,
        actor,
        merged,
        {"merged_into": kept.id, "corporate_number": None},
        merge_version,
    )
    update_row(
        session,
        actor,
        kept,
        {"corporate_number": kept.corporate_number or number},
        keep_version,
    )
    moved: dict[str, int] = {}
    for model, label in MOVED:
        rows = session.exec(
            select(model).where(model.company_id == merged.id)  # type: ignore[attr-defined]
        ).all()
        for row in rows:
            update_row(session, actor, row, {"company_id": kept.id}, row.version)  # type: ignore[attr-defined]
        moved[label] = len(rows)
    record_audit(
        session,
        actor,
        "merge",
        entity="company",
        entity_id=kept.id,
        hub_code=kept.hub_code,
        changes={"merged_company_id": (None, merged.id)},
        detail=f"{merged.name}（企業ID {merged.id}）を統合: "
        + "・".join(f"{label} {count}件" for label, count in moved.items()),
    )
    assert kept.id is not None and merged.id is not None
    return MergeResult(kept_id=kept.id, merged_id=merged.id, moved=moved)


# The confirmation a form offers when a new firm looks like a registered one.
ALLOW_DUPLICATE_LABEL = "似た企業があっても登録する"
ALLOW_DUPLICATE_HELP = (
    "法人格・空白・全角半角・ひらがなカタカナの違いを除いて同じ名前、または同じ法人番号の企業が"
    "拠点に登録されているときは、確認のため登録を止めます。別の企業だと確かめたらチェックします。"
)


def new_firm_warnings(
    session: Session, *, hub_code: str, firms: list[tuple[int, str | None]]
) -> list[tuple[int, str]]:
    """For firms about to be created in bulk (an import's rows: row number, name): each row
    that looks like a firm of the hub or like an earlier row, with the reason."""
    keys = {row: firm_name_key(name) for row, name in firms}
    wanted = sorted({key for key in keys.values() if key})
    stored: dict[str, list[tuple[int, str]]] = {}
    for start in range(0, len(wanted), 500):
        for firm_id, name, key in session.exec(
            select(Company.id, Company.name, Company.name_key).where(
                Company.hub_code == hub_code,
                col(Company.merged_into).is_(None),
                col(Company.name_key).in_(wanted[start : start + 500]),
            )
        ).all():
            if firm_id is not None and key is not None:
                stored.setdefault(key, []).append((firm_id, name))
    warnings: list[tuple[int, str]] = []
    first_row: dict[str, int] = {}
    for row, _name in firms:
        key = keys[row]
        if not key:
            continue
        if key in stored:
            listed = "、".join(f"{name}（企業ID {firm_id}）" for firm_id, name in stored[key][:3])
            warnings.append((row, f"同じ企業と思われる企業が登録されています: {listed}"))
        elif key in first_row:
            warnings.append((row, f"このファイルの {first_row[key]} 行目と同じ企業と思われます"))
        first_row.setdefault(key, row)
    return warnings
