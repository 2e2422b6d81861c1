"""年度目標: a hub's yearly targets, proposed by its manager, set or approved by the
secretariat (the checks of a target's values: ``crm.services.targets``)."""

import datetime as dt
from typing import Annotated

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import TargetStatus


# Shared fields: a hub's targets for one fiscal year.
class TargetFields(InputShape):
    fiscal_year: Annotated[int, Spec("年度", note="4月始まりの年度 例 2026")]
    consultations: Annotated[int, Spec("相談件数の目標", unit="件")]
    placements: Annotated[int, Spec("成約件数の目標", unit="件")]
    status: Annotated[str, Spec("承認", choices=TargetStatus, required=True)] = Field(
        default="proposed", max_length=20
    )  # proposed | approved


# Table model.
class KpiTarget(TargetFields, Tracked, table=True):
    """A hub's yearly targets: proposed by its manager, set or approved by the secretariat."""

    __tablename__ = "kpi_target"
    __table_args__ = (UniqueConstraint("hub_code", "fiscal_year"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    approved_by: int | None = Field(default=None, foreign_key="user_account.id")
    approved_at: dt.datetime | None = None


TARGET_FILE = FileLayout(
    "targets",
    "年度目標",
    (
        "id",
        "hub_code",
        "fiscal_year",
        "consultations",
        "placements",
        "status",
        "approved_at",
        "version",
        "created_at",
        "updated_at",
    ),
    id_term="目標ID",
)
