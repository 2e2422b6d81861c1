"""セミナー・紹介: the hub's seminars (co-hosts, attending firms) and introductions
(ui.views.events); the secretariat reads them, by hub."""

from crm.reference import Role
from ui.session import require_role
from ui.views.events import show

show(require_role(Role.HUB_MANAGER, Role.SECRETARIAT))
