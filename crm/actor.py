"""The acting user every service receives, and what each role may do.

Security lives here and in the services, not in the navigation: a page that forgets to hide a
button still cannot make a secretariat user write a hub's record.
"""

from dataclasses import dataclass

from crm.errors import PermissionDenied
from crm.reference import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: Role
    hub_code: str | None = None
    display_name: str = ""

    @property
    def is_hub_manager(self) -> bool:
        return self.role == Role.HUB_MANAGER

    @property
    def scope_key(self) -> str:
        """What this actor may read: 'hub:01' or 'all'. Part of every cache key."""
        return f"hub:{self.hub_code}" if self.is_hub_manager else "all"

    def readable_hubs(self) -> set[str] | None:
        """Hub codes this actor may read, or None for every hub."""
        return {self.hub_code} if self.is_hub_manager else None

    def can_read_hub(self, hub_code: str) -> bool:
        return not self.is_hub_manager or hub_code == self.hub_code

    def can_write_hub(self, hub_code: str) -> bool:
        return self.is_hub_manager and hub_code == self.hub_code

    def require_read(self, hub_code: str) -> None:
        if not self.can_read_hub(hub_code):
            raise PermissionDenied(
                f"この記録は他の拠点（{hub_code}）のものです。自拠点の記録だけを閲覧できます。"
            )

    def require_write(self, hub_code: str) -> None:
        self.require_read(hub_code)
        if not self.can_write_hub(hub_code):
            raise PermissionDenied(f"{self.role.label}は拠点の記録を変更できません（閲覧のみ）。")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = "・".join(role.label for role in roles)
            raise PermissionDenied(f"この操作は{allowed}だけが行えます。")


# The actor used by migrations, the demo loader and imports run from the shell by an operator.
SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="システム")
