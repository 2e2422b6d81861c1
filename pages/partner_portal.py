"""紹介された人材ニーズ (パートナー): the referrals the hubs shared with the signed-in partner's
organisation, and their progress reports (ui.views.partner_portal)."""

from crm.reference import Role
from ui.session import require_role
from ui.views.partner_portal import show_portal

show_portal(require_role(Role.PARTNER))
