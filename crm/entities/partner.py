"""パートナー: recruitment agencies, regional banks, JHR, large firms… that needs go to."""

from typing import Annotated

from sqlmodel import Field

from crm.entities.code_lists import LOCATION
from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import PartnerKind


# Shared fields: a partner organisation as the administrator registers it.
class PartnerFields(InputShape):
    kind: Annotated[str, Spec("種別", choices=PartnerKind)] = Field(max_length=40)
    name: Annotated[str, Spec("名称", typed=True)] = Field(min_length=1, max_length=200)
    prefecture_code: Annotated[str | None, Spec("都道府県コード", codes=LOCATION)] = Field(
        default=None, max_length=2
    )
    active: Annotated[bool, Spec("有効", note="1=有効 0=無効")] = True


# Input shape: registering or editing a partner.
class PartnerInput(PartnerFields):
    pass


# Table model.
class Partner(PartnerFields, Tracked, table=True):
    """Recruitment agency, regional bank, JHR, employment stability centre, large firm…"""

    id: int | None = Field(default=None, primary_key=True)


PARTNER_FILE = FileLayout(
    "partners",
    "パートナー",
    ("id", "kind", "name", "prefecture_code", "active", "version", "created_at", "updated_at"),
    id_term="パートナーID",
)
