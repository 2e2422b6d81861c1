"""The bookkeeping every editable record carries."""

import datetime as dt

from sqlmodel import Field, SQLModel

from crm.timeutil import utcnow


class Tracked(SQLModel):
    """Mixin: who created and last changed a row, when, and its optimistic-lock version."""

    # Indexed: the weekly export selects the week's entries and changes by these stamps.
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)
    updated_by: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1)
