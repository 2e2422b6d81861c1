"""Every table of the CRM, as SQLModel classes.

Hub-owned rows (company, contact, consultation, need, referral, placement, follow-up, target)
carry ``hub_code`` so that scoping and aggregation never need a join. Editable rows carry
``version``: an update names the version it read and fails if the row moved on meanwhile.
Codes stored in ``str`` columns are the English values of the enums in ``crm.reference``.
"""

import datetime as dt

from sqlalchemy import Index, Table
from sqlmodel import Field, SQLModel

from crm.entities import (
    Comment,
    Company,
    Consultation,
    Contact,
    Event,
    EventAttendee,
    EventCohost,
    FollowUp,
    Introduction,
    KpiTarget,
    NeedStatusChange,
    Notification,
    NotificationMail,
    Partner,
    Placement,
    Referral,
    ReferralReport,
    TalentNeed,
    Tracked,
)
from crm.timeutil import utcnow

# The hub records are declared in crm.entities (fields, input shapes, tables, files); they are
# re-exported here with the reference, account and bookkeeping tables.
__all__ = [
    "ApiToken",
    "AuditLog",
    "Comment",
    "Company",
    "Consultation",
    "Contact",
    "DataVersion",
    "Event",
    "EventAttendee",
    "EventCohost",
    "FollowUp",
    "FormSubmission",
    "Hub",
    "Introduction",
    "KpiTarget",
    "NeedStatusChange",
    "Notification",
    "NotificationMail",
    "Partner",
    "Placement",
    "Referral",
    "ReferralReport",
    "SavedView",
    "TalentCategory",
    "TalentNeed",
    "Tracked",
    "UserAccount",
    "WebSession",
    "stored_id",
    "table_of",
]


# --- reference data -------------------------------------------------------------------------


class Hub(SQLModel, table=True):
    """A prefecture (JIS X 0401) and whether it runs an active hub (loaded by a migration).

    Not ``Tracked``: user accounts point at their hub, so a hub pointing back at a user would
    make the two tables depend on each other."""

    code: str = Field(primary_key=True, max_length=2)
    name_ja: str = Field(max_length=20)
    name_en: str = Field(max_length=40)
    block: str = Field(max_length=20)
    active: bool = True
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = 1


class TalentCategory(Tracked, table=True):
    """Talent-need category (人材区分); the seed's four are loaded by a migration."""

    __tablename__ = "talent_category"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name_ja: str = Field(max_length=60)
    sort_order: int = 0
    active: bool = True


# --- accounts ---------------------------------------------------------------------------------


class UserAccount(SQLModel, table=True):
    """A person who signs in. Hub managers belong to exactly one hub."""

    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, unique=True, max_length=254)
    role: str = Field(max_length=20)
    hub_code: str | None = Field(default=None, foreign_key="hub.code", max_length=2)
    # A partner's account belongs to exactly one partner organisation (and to no hub).
    partner_id: int | None = None  # checked by crm.services.users; added in place (0022)
    password_hash: str | None = None
    active: bool = True
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    # Raised by "sign out everywhere": sessions remember the epoch they started under.
    session_epoch: int = 0
    last_sign_in_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    version: int = 1


# --- bookkeeping -----------------------------------------------------------------------------


class AuditLog(SQLModel, table=True):
    """Who did what, when; append-only (no service updates or deletes it)."""

    __tablename__ = "audit_log"
    # ix_audit_record: one record's own history (crm.services.record_history), newest first.
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_record", "entity", "entity_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    username: str | None = Field(default=None, max_length=80)
    action: str = Field(max_length=40)  # create, update, delete, import, export, sign_in, ...
    entity: str | None = Field(default=None, max_length=40)
    entity_id: str | None = Field(default=None, max_length=40)
    hub_code: str | None = Field(default=None, max_length=2)
    changes: str | None = None  # JSON {"field": [before, after]}
    detail: str | None = None


class DataVersion(SQLModel, table=True):
    """A counter per scope ('*' and each hub code), raised by every write in the same
    transaction. Cached reads include it in their key, so a write made by any process on the
    shared database invalidates every process's cache."""

    __tablename__ = "data_version"
    scope: str = Field(primary_key=True, max_length=8)
    version: int = 0


class WebSession(SQLModel, table=True):
    """A signed-in browser session, kept on the server so that a reload, a new tab, a shared
    link or another app process behind the proxy continue it. The browser holds only a random
    id in an HttpOnly cookie; the database holds its hash. Deleted at sign-out."""

    __tablename__ = "web_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str | None = Field(default=None, unique=True, max_length=64)
    # The one-time code the signed-in page hands to /auth/session to receive its cookie.
    handoff_hash: str | None = Field(default=None, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    epoch: int
    method: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A token another system reads the API with, on behalf of one account (and with exactly
    that account's scope). Stored as a hash; shown once when made. A ``calendar`` token reads
    only the calendar feed."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=80)
    kind: str = Field(default="api", max_length=20)  # api | calendar
    token_hash: str = Field(unique=True, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class SavedView(SQLModel, table=True):
    """A record list's view (its filters, order, columns and page size, as the list's address
    parameters) saved under a name by one person; ``is_default`` opens it when that person
    opens the list without parameters. Only its owner reads it; its address is shareable
    because the parameters, not the saved row, carry the view."""

    __tablename__ = "saved_view"
    __table_args__ = (Index("ux_saved_view_name", "user_id", "list_name", "name", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    list_name: str = Field(max_length=40)
    name: str = Field(max_length=40)
    params: str = Field(max_length=2000)  # the address's query string, e.g. "sort=created_at"
    is_default: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class FormSubmission(SQLModel, table=True):
    """A create form's one-time token, consumed in the transaction of the write it made: a
    second submit of the same form (double click, second Enter, resubmit) finds it and is
    refused with a link to the record the first one saved."""

    __tablename__ = "form_submission"
    token: str = Field(primary_key=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    entity: str | None = Field(default=None, max_length=40)
    entity_id: int | None = None
    submitted_at: dt.datetime = Field(default_factory=utcnow, index=True)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model, for bulk reads and writes of plain rows.

    SQLModel sets ``__table__`` on ``table=True`` classes but does not declare it, so code that
    takes any model (``type[SQLModel]``) reads it through here, typed and checked."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def stored_id(value: int | None) -> int:
    """A primary key read from the database or assigned by a flush.

    Table models declare ``id: int | None`` because a new object has no id until it is
    flushed; code that needs the id of a stored row narrows it here, and an unsaved row fails
    loudly instead of writing NULL."""
    if value is None:
        raise ValueError("the row has no id yet: flush it before using its id")
    return value


# The orders the record lists offer (crm.services.record_views), each answered by an index
# that leads with its column, within a hub and for every hub (migration 0016).
Index("ix_company_kana_key", table_of(Company).c.kana_key)
Index("ix_company_hub_created_at", table_of(Company).c.hub_code, table_of(Company).c.created_at)
Index("ix_follow_up_hub_due_on", table_of(FollowUp).c.hub_code, table_of(FollowUp).c.due_on)


class ImportTemplate(SQLModel, table=True):
    """A ledger's column mapping saved under a name by a hub (``crm.csvio.ledger_templates``):
    the hub's managers reuse it for the next file of the same ledger, on the 取込 page and
    with ``crm import … --template``. ``mapping`` is the mapping's JSON
    (``crm.csvio.ledger_mapping.LedgerMapping``)."""

    __tablename__ = "import_template"
    __table_args__ = (Index("ux_import_template_name", "hub_code", "name", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    name: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    mapping: str = Field(max_length=20000)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
