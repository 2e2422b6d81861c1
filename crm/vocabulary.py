"""One vocabulary: the Japanese term for each field, as its declaration gives it.

Forms, page tables, CSV and xlsx headers (``crm.csvio.columns``), the breakdown tables, reports
and the API take a field's name from ``TERMS`` (built from the ``Spec`` of every declared
field, ``crm.entities``), so a field reads the same everywhere. Terms
used before the vocabulary was unified stay readable as import headers (``FORMER_TERMS``).

Medians are shown with ``days_text``: a median of an even count can end in .5, and it is shown
as such (159.5日), never rounded to even.
"""

from decimal import ROUND_HALF_UP, Decimal

from crm.entities import Company, Consultation, FollowUp, Placement, Referral, TalentNeed, declared

# Field key (its file column's key) -> Japanese term, from the fields' declarations
# (crm.entities): the hub records in the order a case runs, the first declaration of a key
# giving its term (a firm's 企業名 for ``name``, a need's 状況 for ``status``). Ids of other
# records are chosen by name on pages, so their file headers (企業ID …) are no terms here.
_DECLARING = (Company, Consultation, TalentNeed, Referral, Placement, FollowUp)
TERMS: dict[str, str] = {}
for _model in _DECLARING:
    for _field in declared(_model):
        if not _field.spec.refers:
            TERMS.setdefault(_field.column, _field.spec.term)
# Terms of what is not a field of its own: the partner a need was referred to, or that placed
# the hire (a breakdown's dimension).
TERMS["partner"] = "紹介元"

# Terms a field had before they were unified -> field key (still accepted as CSV headers).
FORMER_TERMS: dict[str, str] = {
    "雇用形態": "engagement",
    "前住所地": "previous_residence",
}


def term(key: str) -> str:
    """The Japanese term of field ``key`` (KeyError for a field without one)."""
    return TERMS[key]


def days_text(days: float | None) -> str:
    """A number of days as shown on pages and in reports: whole days as they are, a .5 kept
    (159.5日); any other fraction rounded half up, never half to even."""
    if days is None:
        return "—"
    halves = Decimal(str(days)) * 2
    rounded = halves.quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2
    text = f"{rounded:,.1f}" if rounded % 1 else f"{int(rounded):,}"
    return f"{text}日"
