"""お知らせ: the signed-in person's notifications (mentions, …), newest first."""

from ui.inbox import show_inbox
from ui.session import require_actor

show_inbox(require_actor())
