"""Every table of the CRM, as SQLModel classes.

Hub-owned rows (company, contact, consultation, need, referral, placement, follow-up, target)
carry ``hub_code`` so that scoping and aggregation never need a join. Editable rows carry
``version``: an update names the version it read and fails if the row moved on meanwhile.
Codes stored in ``str`` columns are the English values of the enums in ``crm.reference``.
"""

import datetime as dt

from sqlalchemy import BigInteger, Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.textnorm import company_key_default
from crm.timeutil import utcnow


class Tracked(SQLModel):
    """Mixin: who created and last changed a row, when, and its optimistic-lock version."""

    # Indexed: the weekly export selects the week's entries and changes by these stamps.
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1)


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


class Partner(Tracked, table=True):
    """Recruitment agency, regional bank, JHR, employment stability centre, large firm…"""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    name: str = Field(max_length=200)
    prefecture_code: str | None = Field(default=None, max_length=2)
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


# --- hub records -----------------------------------------------------------------------------


class Company(Tracked, table=True):
    """A local firm a hub works with."""

    __table_args__ = (
        Index("ix_company_hub_name", "hub_code", "name"),
        Index("ix_company_hub_name_key", "hub_code", "name_key"),
        Index("ix_company_hub_kana_key", "hub_code", "kana_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    name: str = Field(max_length=200)
    kana: str | None = Field(default=None, max_length=200)
    corporate_number: str | None = Field(default=None, unique=True, max_length=13)
    prefecture_code: str = Field(max_length=2)
    city: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=1)  # JSIC major division letter
    employees: int | None = None
    capital_jpy: int | None = Field(default=None, sa_type=BigInteger)  # yen, above 2**31
    notes: str | None = None
    # Derived from name and kana (crm.textnorm.company_keys), filled on insert and by every
    # write of name or kana: what search matches, what duplicate detection compares, and
    # the 五十音 order of lists.
    search_key: str | None = Field(
        default=None,
        max_length=420,
        sa_column_kwargs={"default": company_key_default("search_key")},
    )
    name_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"default": company_key_default("name_key")}
    )
    kana_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"default": company_key_default("kana_key")}
    )
    # Set when this firm was merged into another: its records moved there and its old
    # address (?company=ID) opens the kept firm.
    merged_into: int | None = Field(default=None, foreign_key="company.id")


class Contact(Tracked, table=True):
    """A person at a company the hub deals with (owner, executive, HR)."""

    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=120)
    title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


class Consultation(Tracked, table=True):
    """相談: one meeting or contact with a firm, logged by the hub manager."""

    __table_args__ = (
        # With the firm: distinct firms of a period and each firm's first consultation are
        # read from the index alone (migration 0013).
        Index("ix_consultation_hub_date", "hub_code", "consulted_on", "company_id"),
        Index("ix_consultation_date", "consulted_on", "company_id"),
        Index("ix_consultation_company_date", "company_id", "consulted_on"),
        # 今日やること reads next actions of a few weeks around today, in every hub.
        Index(
            "ix_consultation_next_action",
            "next_action_on",
            "next_action_done_on",
            "hub_code",
            "company_id",
            "consulted_on",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    company_id: int = Field(foreign_key="company.id", index=True)
    consulted_on: dt.date
    channel: str = Field(max_length=40)
    summary: str = Field(max_length=4000)
    stance: str | None = Field(default=None, max_length=20)
    next_action: str | None = None
    next_action_on: dt.date | None = None
    # When the next action was marked done (今日やること), or None while it is open.
    next_action_done_on: dt.date | None = None
    logged_by: int | None = Field(default=None, foreign_key="user_account.id")


class TalentNeed(Tracked, table=True):
    """人材ニーズ: a concrete hiring need that came out of a consultation."""

    __tablename__ = "talent_need"
    __table_args__ = (
        Index("ix_need_hub_status", "hub_code", "status"),
        # Dashboards count needs by their opening date, nationally and per hub.
        Index("ix_need_opened", "opened_on"),
        Index("ix_need_hub_opened", "hub_code", "opened_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    company_id: int = Field(foreign_key="company.id", index=True)
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id", index=True)
    category_id: int = Field(foreign_key="talent_category.id")
    engagement: str = Field(max_length=20)
    role_title: str = Field(max_length=200)
    headcount: int = 1
    salary_band: str | None = Field(default=None, max_length=20)
    status: str = Field(default="open", max_length=20)
    opened_on: dt.date
    notes: str | None = None


class NeedStatusChange(SQLModel, table=True):
    """One dated step of a need along its pipeline (append-only)."""

    __tablename__ = "need_status_change"
    # The weekly export finds the week's steps by either date (migration 0013).
    __table_args__ = (
        Index("ix_need_status_change_changed_on", "changed_on"),
        Index("ix_need_status_change_changed_at", "changed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    need_id: int = Field(foreign_key="talent_need.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    changed_on: dt.date
    changed_at: dt.datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="user_account.id")
    note: str | None = None


class Referral(Tracked, table=True):
    """A need handed to a partner who searches for candidates."""

    __table_args__ = (Index("ix_referral_referred_on", "referred_on"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    need_id: int = Field(foreign_key="talent_need.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    referred_on: dt.date
    outcome: str = Field(default="pending", max_length=20)
    notes: str | None = None


class Placement(Tracked, table=True):
    """成約: one hire. Describes the hire, never the person (hubs hold no job-seeker data)."""

    __table_args__ = (
        Index("ix_placement_hub_date", "hub_code", "placed_on", "company_id"),
        Index("ix_placement_date", "placed_on", "company_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    need_id: int = Field(foreign_key="talent_need.id", index=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    placed_on: dt.date
    engagement: str = Field(max_length=20)
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    salary_band: str | None = Field(default=None, max_length=20)
    age_band: str | None = Field(default=None, max_length=20)
    previous_residence: str | None = Field(default=None, max_length=20)
    # JIS code of the prefecture lived in before (the origin area is derived: crm.areas).
    previous_prefecture: str | None = Field(default=None, max_length=2)
    notes: str | None = None


class FollowUp(Tracked, table=True):
    """A reminder to check on a firm or a placement; done when ``done_on`` is set."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_hub_due", "hub_code", "done_on", "due_on"),
        # The weekly export's follow-ups due or done in the week (migration 0013).
        Index("ix_follow_up_due_on", "due_on"),
        Index("ix_follow_up_done_on", "done_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    company_id: int = Field(foreign_key="company.id", index=True)
    placement_id: int | None = Field(default=None, foreign_key="placement.id", index=True)
    due_on: dt.date
    done_on: dt.date | None = None
    notes: str | None = None


class KpiTarget(Tracked, table=True):
    """A hub's yearly targets: proposed by its manager, set or approved by the secretariat."""

    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("hub_code", "fiscal_year"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    fiscal_year: int
    consultations: int
    placements: int
    status: str = Field(default="proposed", max_length=20)  # proposed | approved
    approved_by: int | None = Field(default=None, foreign_key="user_account.id")
    approved_at: dt.datetime | None = None


# --- bookkeeping -----------------------------------------------------------------------------


class AuditLog(SQLModel, table=True):
    """Who did what, when; append-only (no service updates or deletes it)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"),)
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
