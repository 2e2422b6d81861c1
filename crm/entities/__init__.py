"""Every hub record, declared once: its fields (with ``Spec``), its input shape, its table
model and its file layout, one module per kind of record (``crm.entities.declare`` says how).

``crm.models`` re-exports the table models with the bookkeeping tables; the file columns
(``crm.csvio.columns``), the forms (``ui.forms``) and the API's shapes derive from these."""

from crm.entities.comment import (
    Comment,
    CommentFields,
    CommentInput,
    Notification,
    NotificationMail,
)
from crm.entities.company import (
    COMPANY_FILE,
    CONTACT_FILE,
    Company,
    CompanyFields,
    CompanyInput,
    Contact,
    ContactFields,
    ContactInput,
)
from crm.entities.consultation import (
    CONSULTATION_FILE,
    Consultation,
    ConsultationFields,
    ConsultationInput,
)
from crm.entities.declare import (
    CodeList,
    Declared,
    FileLayout,
    InputShape,
    Spec,
    declared,
    field,
)
from crm.entities.need import (
    NEED_FILE,
    REFERRAL_FILE,
    STATUS_CHANGE_FILE,
    NeedFields,
    NeedInput,
    NeedStatusChange,
    Referral,
    ReferralFields,
    ReferralInput,
    StatusChangeFields,
    StatusChangeInput,
    TalentNeed,
)
from crm.entities.partner import PARTNER_FILE, Partner, PartnerFields, PartnerInput
from crm.entities.placement import (
    FOLLOW_UP_FILE,
    PLACEMENT_FILE,
    FollowUp,
    FollowUpFields,
    FollowUpInput,
    Placement,
    PlacementFields,
    PlacementInput,
)
from crm.entities.read_shapes import Page, page_shape, read_shape
from crm.entities.target import TARGET_FILE, KpiTarget, TargetFields
from crm.entities.tracked import Tracked

__all__ = [
    "CodeList",
    "COMPANY_FILE",
    "CONSULTATION_FILE",
    "CONTACT_FILE",
    "FOLLOW_UP_FILE",
    "NEED_FILE",
    "PARTNER_FILE",
    "PLACEMENT_FILE",
    "REFERRAL_FILE",
    "STATUS_CHANGE_FILE",
    "TARGET_FILE",
    "Comment",
    "CommentFields",
    "CommentInput",
    "Company",
    "CompanyFields",
    "CompanyInput",
    "Consultation",
    "ConsultationFields",
    "ConsultationInput",
    "Contact",
    "ContactFields",
    "ContactInput",
    "Declared",
    "FileLayout",
    "FollowUp",
    "FollowUpFields",
    "FollowUpInput",
    "InputShape",
    "KpiTarget",
    "NeedFields",
    "NeedInput",
    "NeedStatusChange",
    "Notification",
    "NotificationMail",
    "Page",
    "Partner",
    "PartnerFields",
    "PartnerInput",
    "Placement",
    "PlacementFields",
    "PlacementInput",
    "Referral",
    "ReferralFields",
    "ReferralInput",
    "Spec",
    "StatusChangeFields",
    "StatusChangeInput",
    "TalentNeed",
    "TargetFields",
    "Tracked",
    "declared",
    "field",
    "page_shape",
    "read_shape",
]
