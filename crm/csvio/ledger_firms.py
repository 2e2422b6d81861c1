"""Which firm each row of a ledger is: a firm the hub already has, or a new one.

A ledger names its firms by name (as typed: ㈱ stays ㈱), sometimes with an address or a
法人番号, never by the product's id. Rows of the same firm are grouped first (by 法人番号, else
by the name folded as search folds it, ``crm.textnorm.fold``, with prefecture and city). Each
group is then matched with the hub's firms:

1. by 法人番号 — a firm of the hub with that number is the firm (「既存の企業に紐付け」);
2. by name and place — one firm of the hub whose folded name is the same and whose prefecture
   (and city, when both have one) agree is the firm;
3. otherwise a new firm (「新しい企業として登録」). A firm of the hub that is probably the same
   but not certainly — the same name without its legal form (株式会社 vs ㈱ vs 有限会社,
   ``crm.textnorm.firm_name_key``), or the same name in another city — is listed beside it
   (``candidates``) and flagged, for the person to choose (``choices``: group key -> firm id,
   or None for a new firm). Without a choice a flagged group becomes a new firm, as a form
   would, and the import lists it as 注意.

An address is split into prefecture and city (山形県米沢市金池3-1-39 → 06, 米沢市): a firm has
no street address field. A firm without a prefecture is taken to be in the hub's prefecture.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from crm.models import Company
from crm.reference import PREFECTURES
from crm.textnorm import firm_name_key, fold
from crm.validation import normalize_corporate_number

LINK, NEW = "link", "new"
ACTION_LABELS = {LINK: "既存の企業に紐付け", NEW: "新しい企業として登録"}
MAX_CANDIDATES = 5

# Cities whose own name contains 市, which the simple rule below would cut short.
_CITY_EXCEPTIONS = ("四日市市", "廿日市市", "野々市市")
_CITY_PATTERNS = (
    re.compile(r"^(.+?郡.+?[町村])"),
    re.compile(r"^(.+?市[^\d\s-]{1,4}?区)"),  # a ward of a designated city: 仙台市青葉区
    re.compile(r"^(.+?市)"),
    re.compile(r"^(.+?区)"),  # Tokyo's wards
    re.compile(r"^(.+?[町村])"),
)


def split_address(address: str | None) -> tuple[str | None, str | None]:
    """(prefecture code, city) of an address as ledgers write it; None where not found."""
    if not address:
        return None, None
    text = fold_spaces(address)
    prefecture = None
    for code, (name, _) in PREFECTURES.items():
        if text.startswith(name):
            prefecture, text = code, text[len(name) :]
            break
    for exception in _CITY_EXCEPTIONS:
        if text.startswith(exception):
            return prefecture, exception
    for pattern in _CITY_PATTERNS:
        match = pattern.match(text)
        if match:
            return prefecture, match.group(1)
    return prefecture, None


def fold_spaces(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


@dataclass
class LedgerFirm:
    """The firm of one or more ledger rows, and what the import will do with it."""

    key: str  # what groups the rows (法人番号, else folded name | prefecture | city)
    name: str  # as typed in the first row
    prefecture_code: str
    city: str | None
    corporate_number: str | None
    rows: list[int] = field(default_factory=list)  # ledger row numbers
    values: dict[str, str | None] = field(default_factory=dict)  # the firm's cells (first row)
    action: str = NEW
    company_id: int | None = None  # the firm linked to
    company_name: str | None = None
    reason: str = ""
    candidates: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, place
    chosen: bool = False  # the person decided (``choices``)

    @property
    def flagged(self) -> bool:
        """A probable duplicate nobody has decided on yet."""
        return bool(self.candidates) and not self.chosen

    @property
    def action_label(self) -> str:
        if self.action == LINK:
            return f"{ACTION_LABELS[LINK]}（{self.company_name}、企業ID {self.company_id}）"
        return ACTION_LABELS[NEW]


def _number(text: str | None) -> str | None:
    try:
        return normalize_corporate_number(text)
    except ValueError:
        return None


def firm_key(name: str, prefecture: str, city: str | None, number: str | None) -> str:
    valid = _number(number)
    if valid is not None:
        return f"法人番号:{valid}"
    return f"{fold(name)}|{prefecture}|{fold(city)}"


def _place(prefecture: str | None, city: str | None) -> str:
    name = PREFECTURES.get(prefecture or "", ("", ""))[0]
    return f"{name}{city or ''}" or "所在地なし"


def match_firms(
    session: Session,
    hub: str,
    firms: Iterable[LedgerFirm],
    choices: dict[str, int | None] | None = None,
) -> None:
    """Decide each firm's action in place (see the module's doc)."""
    firms = list(firms)
    choices = choices or {}
    numbers = sorted({n for f in firms if (n := _number(f.corporate_number))})
    by_number: dict[str, Company] = {}
    for start in range(0, len(numbers), 500):
        for company in session.exec(
            select(Company).where(
                col(Company.hub_code) == hub,
                col(Company.corporate_number).in_(numbers[start : start + 500]),
            )
        ).all():
            if company.corporate_number is not None:
                by_number[company.corporate_number] = company
    keys = sorted({k for f in firms if (k := firm_name_key(f.name))})
    by_name: dict[str, list[Company]] = {}
    for start in range(0, len(keys), 500):
        for company in session.exec(
            select(Company)
            .where(
                col(Company.hub_code) == hub,
                col(Company.merged_into).is_(None),
                col(Company.name_key).in_(keys[start : start + 500]),
            )
            .order_by(col(Company.id))
        ).all():
            by_name.setdefault(company.name_key or "", []).append(company)
    known = {c.id: c for found in by_name.values() for c in found} | {
        c.id: c for c in by_number.values()
    }
    for firm in firms:
        _decide(firm, by_number, by_name)
        if firm.key in choices:
            _apply_choice(session, hub, firm, choices[firm.key], known)


def _decide(
    firm: LedgerFirm, by_number: dict[str, Company], by_name: dict[str, list[Company]]
) -> None:
    number = _number(firm.corporate_number)
    if number is not None and number in by_number:
        _link(firm, by_number[number], "法人番号が一致")
        return
    same_name = by_name.get(firm_name_key(firm.name), [])
    exact = [
        c
        for c in same_name
        if fold(c.name) == fold(firm.name)
        and c.prefecture_code == firm.prefecture_code
        and (not c.city or not firm.city or fold(c.city) == fold(firm.city))
        and (number is None or c.corporate_number in (None, number))
    ]
    if len(exact) == 1:
        _link(firm, exact[0], "企業名と所在地が一致")
        return
    firm.action, firm.company_id, firm.company_name = NEW, None, None
    firm.candidates = [
        (c.id, c.name, _place(c.prefecture_code, c.city))
        for c in same_name[:MAX_CANDIDATES]
        if c.id is not None
    ]
    if firm.candidates:
        firm.reason = "同じ企業と思われる企業があります: " + "、".join(
            f"{name}（{place}、企業ID {cid}）" for cid, name, place in firm.candidates
        )
    else:
        firm.reason = "同じ名前の企業はありません"


def _link(firm: LedgerFirm, company: Company, reason: str) -> None:
    firm.action, firm.company_id, firm.company_name = LINK, company.id, company.name
    firm.reason, firm.candidates = reason, []


def _apply_choice(
    session: Session,
    hub: str,
    firm: LedgerFirm,
    chosen: int | None,
    known: dict[int | None, Company],
) -> None:
    firm.chosen = True
    if chosen is None:
        firm.action, firm.company_id, firm.company_name = NEW, None, None
        firm.reason = "新しい企業として登録（選択）"
        return
    company = known.get(chosen) or session.get(Company, chosen)
    if company is None or company.hub_code != hub or company.merged_into is not None:
        # Not a firm this hub can record for: the import refuses the rows naming it.
        firm.action, firm.company_id, firm.company_name = LINK, chosen, f"企業ID {chosen}"
        firm.reason = "選んだ企業はこの拠点の企業ではありません"
        return
    candidates = firm.candidates
    _link(firm, company, "選択")
    firm.candidates = candidates  # still offered, should the person change their mind
