"""セミナー・紹介: the hub's seminars (co-hosts, attending firms) and introductions
(ui.views.events); the secretariat reads them, by hub."""

from ui.session import require_actor
from ui.views.events import show

show(require_actor())
