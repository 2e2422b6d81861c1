"""Import templates: a hub's named column mappings for its own ledgers (the 取込 page and
``crm import --template``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_template",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "hub_code",
            sqlmodel.sql.sqltypes.AutoString(length=2),
            sa.ForeignKey("hub.code"),
            nullable=False,
        ),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("mapping", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ux_import_template_name", "import_template", ["hub_code", "name"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_import_template_name", table_name="import_template")
    op.drop_table("import_template")
