"""Firms' search, duplicate and 五十音 keys, merged firms, and done next actions.

company.search_key / name_key / kana_key are derived from name and kana
(crm.textnorm.company_keys) and filled here for existing firms; company.merged_into points a
merged firm at the one kept; consultation.next_action_done_on closes a next action.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from crm.textnorm import company_keys

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_key", sqlmodel.sql.sqltypes.AutoString(length=420), nullable=True)
        )
        batch_op.add_column(
            sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("kana_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_company_merged_into_company", "company", ["merged_into"], ["id"]
        )
        batch_op.create_index("ix_company_hub_name_key", ["hub_code", "name_key"], unique=False)
        batch_op.create_index("ix_company_hub_kana_key", ["hub_code", "kana_key"], unique=False)
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_action_done_on", sa.Date(), nullable=True))
    _fill_company_keys()


def _fill_company_keys() -> None:
    connection = op.get_bind()
    company = sa.table(
        "company",
        sa.column("id"),
        sa.column("name"),
        sa.column("kana"),
        sa.column("search_key"),
        sa.column("name_key"),
        sa.column("kana_key"),
    )
    rows = connection.execute(sa.select(company.c.id, company.c.name, company.c.kana)).all()
    statement = (
        company.update()
        .where(company.c.id == sa.bindparam("_id"))
        .values(
            search_key=sa.bindparam("search_key"),
            name_key=sa.bindparam("name_key"),
            kana_key=sa.bindparam("kana_key"),
        )
    )
    for start in range(0, len(rows), BATCH):
        connection.execute(
            statement,
            [
                {"_id": row_id, **company_keys(name, kana)}
                for row_id, name, kana in rows[start : start + BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_column("next_action_done_on")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index("ix_company_hub_kana_key")
        batch_op.drop_index("ix_company_hub_name_key")
        batch_op.drop_constraint("fk_company_merged_into_company", type_="foreignkey")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("kana_key")
        batch_op.drop_column("name_key")
        batch_op.drop_column("search_key")
