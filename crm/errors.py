"""Errors a service raises for the user to read (messages are Japanese, for the UI)."""


class CrmError(Exception):
    """Base class: ``str(error)`` is a message fit to show a user."""


class PermissionDenied(CrmError):
    pass


class NotFound(CrmError):
    pass


class ValidationError(CrmError):
    """Input was refused; ``fields`` maps each offending field to the reason."""

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__(
            "入力内容を確認してください: "
            + " / ".join(f"{name}: {reason}" for name, reason in fields.items())
        )


class StaleVersion(CrmError):
    """Someone saved the row after this user read it; ``changes`` maps field -> (theirs, now)."""

    def __init__(
        self,
        entity: str,
        current_version: int,
        changes: dict[str, tuple],
        *,
        row_id: object = None,
        origin: object = None,
        expected_version: int | None = None,
    ):
        self.entity = entity
        self.current_version = current_version
        self.changes = changes
        self.row_id = row_id  # the row that moved on (None when it was deleted: version 0)
        self.origin = origin  # where the refused change came from (a file's row), if known
        self.expected_version = expected_version  # the version the writer had read
        super().__init__(
            "他の利用者がこの記録を先に更新しました。最新の内容を確認してから、もう一度保存してください。"
        )


class AuthenticationFailed(CrmError):
    pass
