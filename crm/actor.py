"""The acting user every service receives, and what each role may do.

Security lives here and in the services, not in the navigation: a page that forgets to hide a
button still cannot make a secretariat user write a hub's record.

An actor that acts through a signed-in browser session carries that session's ``ticket``; the
services re-check it (``crm.auth.sessions.require_live``) in the transaction of every write and
every read of hub data, so a click in a tab whose session has ended writes nothing. Operators
(the CLI, the demo loader, migrations) act without a ticket.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm.errors import PermissionDenied
from crm.reference import PREFECTURES, Role

if TYPE_CHECKING:
    from crm.models import UserAccount


@dataclass(frozen=True)
class SessionTicket:
    """A signed-in session: its account, the account's session epoch at sign-in and the time
    of the session's last interaction."""

    user_id: int | None
    epoch: int
    last_seen: dt.datetime
    method: str  # password | sso | preset (set by trusted code, e.g. the page-test harness)
    # The server-side session (crm.auth.web_sessions) behind a cookie, when there is one: its
    # last activity, not this ticket's, counts for the idle limit, and signing out deletes it.
    web_session_id: int | None = None


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    hub_code: str | None = None
    display_name: str = ""
    ticket: SessionTicket | None = None
    partner_id: int | None = None  # a partner's person: their organisation

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_hub_manager(self) -> bool:
        return self.role == Role.HUB_MANAGER

    @property
    def own_hub(self) -> str:
        """The hub a hub manager records for. Every hub manager's account names one (checked
        when the account is made or changed), so a missing hub is a programming error."""
        if self.hub_code is None:
            raise ValueError(f"{self.username} belongs to no hub")
        return self.hub_code

    @property
    def scope_key(self) -> str:
        """What this actor may read: 'hub:01' or 'all'. Part of every cache key."""
        if self.is_partner:
            return f"partner:{self.partner_id}"
        return f"hub:{self.hub_code}" if self.is_hub_manager else "all"

    def readable_hubs(self) -> set[str] | None:
        """Hub codes this actor may read, or None for every hub. A partner reads no hub's
        records: only its own referrals, through ``crm.services.partner_portal``."""
        if self.is_partner:
            return set()
        if not self.is_hub_manager:
            return None
        return {self.hub_code} if self.hub_code else set()

    def can_read_hub(self, hub_code: str) -> bool:
        if self.is_partner:
            return False
        return not self.is_hub_manager or hub_code == self.hub_code

    def can_write_hub(self, hub_code: str) -> bool:
        return self.is_hub_manager and hub_code == self.hub_code

    def require_read(self, hub_code: str) -> None:
        if self.is_partner:
            raise PermissionDenied(PARTNER_REFUSED)
        if not self.can_read_hub(hub_code):
            raise PermissionDenied(
                f"この記録は他の拠点（{_hub_name(hub_code)}）のものです。"
                "自拠点の記録だけを閲覧できます。"
            )

    def require_write(self, hub_code: str) -> None:
        self.require_read(hub_code)
        if not self.can_write_hub(hub_code):
            raise PermissionDenied(f"{self.role.label}は拠点の記録を変更できません（閲覧のみ）。")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = "・".join(role.label for role in roles)
            raise PermissionDenied(f"この操作は{allowed}だけが行えます。")


PARTNER_REFUSED = (
    "パートナーの方は、自社に紹介された人材ニーズだけを閲覧・報告できます"
    "（拠点の記録や集計は閲覧できません）。"
)


def _hub_name(code: str) -> str:
    """A hub by its prefecture's name in a message (a code nobody knows stays as typed)."""
    return PREFECTURES[code][0] if code in PREFECTURES else code


def allowed_hubs(actor: Actor, hubs: Iterable[str] | None) -> list[str] | None:
    """The one answer to "which hubs may this read cover": the caller's choice of hubs (None:
    every hub the actor may read) within what the actor may read; None means every hub.

    Asking for another hub's data is refused (PermissionDenied), never narrowed to nothing:
    a hub manager who names another hub learns that it is not theirs, on every path (service
    lists and search, analytics, exports, the API), in the same words. A partner is refused
    every hub's records and figures."""
    if actor.is_partner:
        raise PermissionDenied(PARTNER_REFUSED)
    readable = actor.readable_hubs()
    if hubs is None:
        return None if readable is None else sorted(readable)
    chosen = sorted(set(hubs))
    if readable is not None and not set(chosen) <= readable:
        others = "・".join(_hub_name(code) for code in chosen if code not in readable)
        own = "・".join(_hub_name(code) for code in sorted(readable))
        raise PermissionDenied(
            f"他の拠点（{others}）のデータは閲覧できません。"
            + (f"自拠点（{own}）のデータだけを閲覧できます。" if own else "")
        )
    return chosen


def actor_for(user: "UserAccount", ticket: SessionTicket | None = None) -> Actor:
    """The actor of an account as it is now (role and hub changes apply at once)."""
    if user.id is None:
        raise ValueError("an account that is not stored yet cannot act")
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        hub_code=user.hub_code,
        display_name=user.display_name,
        ticket=ticket,
        partner_id=user.partner_id,
    )


# The actor used by migrations, the demo loader and imports run from the shell by an operator.
SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="システム")
