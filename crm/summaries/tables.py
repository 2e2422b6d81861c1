"""The summary tables and what each counts.

They live outside ``SQLModel.metadata`` on purpose: no service writes them (the triggers do),
``crm db transfer`` does not copy them (the target's triggers count the copied rows) and model
comparisons leave them out (``crm.db.modelled``).

A month is ``year * 100 + month`` (202611). A placement is counted once under ``TOTAL`` (the
plain count, value ``''``) and once per dimension in ``PLACEMENT_DIMENSIONS`` (one row per
dimension and value), so any one of them can be broken down while category and engagement
filter; a value not recorded is stored as ``''``.

Each primary key starts with what the readers narrow by (the dimension, then the month), so a
period is one range of the key however many hubs, categories or values the table holds
(migration 0013).
"""

from dataclasses import dataclass

from sqlalchemy import Column, Integer, MetaData, PrimaryKeyConstraint, String, Table

metadata = MetaData()

consultation_count = Table(
    "consultation_count",
    metadata,
    Column("hub_code", String(2), nullable=False),
    Column("month", Integer, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("month", "hub_code", "channel", name="pk_consultation_count"),
)

need_count = Table(
    "need_count",
    metadata,
    Column("hub_code", String(2), nullable=False),
    Column("month", Integer, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("engagement", String(20), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("month", "hub_code", "category_id", "engagement", name="pk_need_count"),
)

placement_count = Table(
    "placement_count",
    metadata,
    Column("hub_code", String(2), nullable=False),
    Column("month", Integer, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("engagement", String(20), nullable=False),
    Column("dimension", String(12), nullable=False),
    Column("value", String(40), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint(
        "dimension",
        "month",
        "hub_code",
        "category_id",
        "engagement",
        "value",
        name="pk_placement_count",
    ),
)


def _per_hub_and_month(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("hub_code", String(2), nullable=False),
        Column("month", Integer, nullable=False),
        Column("n", Integer, nullable=False),
        PrimaryKeyConstraint("month", "hub_code", name=f"pk_{name}"),
    )


# Referrals and follow-ups done, per hub and month: the weekly export's cumulative counts.
referral_count = _per_hub_and_month("referral_count")
follow_up_done_count = _per_hub_and_month("follow_up_done_count")

TABLES = (consultation_count, need_count, placement_count, referral_count, follow_up_done_count)
TABLE_NAMES = frozenset(table.name for table in TABLES)


@dataclass(frozen=True)
class Counted:
    """One way a fact row is counted: into ``table``, under ``keys`` (summary column → SQL
    expression over the row, ``{r}`` standing for the row's alias)."""

    table: str
    source: str  # the fact table
    date: str  # the fact's date column (the month is taken from it)
    keys: tuple[tuple[str, str], ...]
    watched: tuple[str, ...]  # the source columns the keys read

    @property
    def columns(self) -> tuple[str, ...]:
        return ("hub_code", "month", *(name for name, _ in self.keys))


NEED_CATEGORY = "(SELECT category_id FROM talent_need WHERE id = {r}.need_id)"
COMPANY_INDUSTRY = "(SELECT industry FROM company WHERE id = {r}.company_id)"

# Where the hire lived before (人材還流): the prefecture's code, or for rows recorded before the
# prefecture existed their coarse residence prefixed by ORIGIN_RESIDENCE; '' when neither.
ORIGIN_RESIDENCE = "r:"
# dimension → the placement's value for it (text; '' when not recorded).
PLACEMENT_DIMENSIONS: dict[str, str] = {
    "age_band": "COALESCE({r}.age_band, '')",
    "residence": "COALESCE({r}.previous_residence, '')",
    "partner": "COALESCE(CAST({r}.partner_id AS VARCHAR(20)), '')",
    "industry": f"COALESCE({COMPANY_INDUSTRY}, '')",
    "origin": (
        f"COALESCE({{r}}.previous_prefecture, '{ORIGIN_RESIDENCE}' || {{r}}.previous_residence, '')"
    ),
}
# The dimension a plain placement count is read from: one row per hub, month, category and
# engagement, without a value (far fewer rows than any breakdown).
TOTAL = "total"

CONSULTATIONS = Counted(
    "consultation_count",
    "consultation",
    "consulted_on",
    (("channel", "{r}.channel"),),
    ("hub_code", "consulted_on", "channel"),
)
NEEDS = Counted(
    "need_count",
    "talent_need",
    "opened_on",
    (("category_id", "{r}.category_id"), ("engagement", "{r}.engagement")),
    ("hub_code", "opened_on", "category_id", "engagement"),
)
PLACEMENTS = tuple(
    Counted(
        "placement_count",
        "placement",
        "placed_on",
        (
            ("category_id", NEED_CATEGORY),
            ("engagement", "{r}.engagement"),
            ("dimension", f"'{dimension}'"),
            ("value", value),
        ),
        (
            "hub_code",
            "placed_on",
            "need_id",
            "company_id",
            "engagement",
            "age_band",
            "previous_residence",
            "previous_prefecture",
            "partner_id",
        ),
    )
    for dimension, value in {TOTAL: "''", **PLACEMENT_DIMENSIONS}.items()
)
REFERRALS = Counted("referral_count", "referral", "referred_on", (), ("hub_code", "referred_on"))
# A follow-up counts in the month it was done; one not done yet (done_on NULL) is not counted.
FOLLOW_UPS_DONE = Counted(
    "follow_up_done_count", "follow_up", "done_on", (), ("hub_code", "done_on")
)
COUNTED: tuple[Counted, ...] = (CONSULTATIONS, NEEDS, *PLACEMENTS, REFERRALS, FOLLOW_UPS_DONE)
