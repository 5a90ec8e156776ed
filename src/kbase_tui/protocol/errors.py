"""Expected failures, shared by the server (which raises them) and the terminal app (which shows them).

Each carries a message a person can act on, in the signed-in user's language; the app shows
`str(error)` in one line.  They cross the socket by class name (`kind`) with their message and
a few plain details, and the app raises the same class again, so a screen can still say
`except AccessDenied`.
"""

from __future__ import annotations

from typing import Any

from kbase_tui.i18n import _

__all__ = [
    "AccessDenied",
    "AccountLocked",
    "DatabaseBusy",
    "KbaseError",
    "LoginFailed",
    "NotFound",
    "PasswordChangeRequired",
    "ProtocolMismatch",
    "QueueEmpty",
    "ServerUnavailable",
    "SessionEnded",
    "SlowDown",
    "StaleRecord",
    "StorageFull",
    "ValidationFailed",
    "error_class",
]


class KbaseError(Exception):
    """Base of every expected failure: the UI shows `str(error)` in one line."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("Something went wrong.")

    def details(self) -> dict[str, Any]:
        """Plain values beside the message that the other side needs (see `error_from_wire`)."""
        return {}

    @classmethod
    def from_wire(cls, message: str, details: dict[str, Any]) -> KbaseError:
        return cls(message)


class AccessDenied(KbaseError):
    def default_message(self) -> str:
        return _("You do not have access to this record.")


class NotFound(KbaseError):
    def default_message(self) -> str:
        return _("The record was not found.")


class ValidationFailed(KbaseError):
    def default_message(self) -> str:
        return _("The data is not valid.")


class LoginFailed(KbaseError):
    def default_message(self) -> str:
        # One message for unknown user, wrong password and a locked terminal: nothing to learn by guessing.
        return _("Wrong user name or password. After 5 wrong tries this terminal waits 15 minutes.")


class AccountLocked(KbaseError):
    def default_message(self) -> str:
        return _("Too many failed attempts: the account is locked for 15 minutes.")


class PasswordChangeRequired(KbaseError):
    def default_message(self) -> str:
        return _("You must set a new password before you continue.")


class StaleRecord(KbaseError):
    """Someone else saved the record after it was loaded (optimistic locking).

    `current` is what the record holds now (a stage code, a deal, a contact), so the screen
    can show the other person's version beside the one being typed.
    """

    def __init__(self, message: str | None = None, current: object | None = None) -> None:
        super().__init__(message)
        self.current = current

    def default_message(self) -> str:
        return _("Someone else changed this record while you were editing it.")

    def details(self) -> dict[str, Any]:
        return {"current": self.current}

    @classmethod
    def from_wire(cls, message: str, details: dict[str, Any]) -> KbaseError:
        return cls(message, current=details.get("current"))


class DatabaseBusy(KbaseError):
    def default_message(self) -> str:
        return _("The database is busy, retrying.")


class StorageFull(KbaseError):
    def default_message(self) -> str:
        return _("The disk is full or cannot be written: nothing was saved. Ask the administrator to free space.")


class QueueEmpty(KbaseError):
    def default_message(self) -> str:
        return _("No leads are waiting in the queue right now.")


class SlowDown(KbaseError):
    """Records opened faster than the work allows: the reader waits `seconds` (anti-scraping)."""

    def __init__(self, seconds: int, message: str | None = None) -> None:
        self.seconds = seconds
        super().__init__(
            message
            or _(
                "You are opening records faster than the work allows: wait {s} s. The head of sales has been told."
            ).format(s=seconds)
        )

    def details(self) -> dict[str, Any]:
        return {"seconds": self.seconds}

    @classmethod
    def from_wire(cls, message: str, details: dict[str, Any]) -> KbaseError:
        seconds = details.get("seconds")
        return cls(seconds if isinstance(seconds, int) else 0, message)


class SessionEnded(KbaseError):
    """The server no longer knows this sign-in: signed out elsewhere, disabled, moved, or restarted.

    `reason` says which, so the app can either ask for the password again (`expired`) or go back
    to the sign-in screen with the message (`disabled`, `role_changed`, `signed_out`).
    """

    def __init__(self, message: str | None = None, reason: str = "expired") -> None:
        self.reason = reason
        super().__init__(message)

    def default_message(self) -> str:
        return _("Your session has ended: sign in again.")

    def details(self) -> dict[str, Any]:
        return {"reason": self.reason}

    @classmethod
    def from_wire(cls, message: str, details: dict[str, Any]) -> KbaseError:
        reason = details.get("reason")
        return cls(message, reason=reason if isinstance(reason, str) else "expired")


class ServerUnavailable(KbaseError):
    """The app cannot reach the kbase server (stopped, restarting, or the socket is not allowed)."""

    def default_message(self) -> str:
        return _(
            "The kbase server cannot be reached; nothing was saved. Try again in a moment, or ask the "
            "administrator to start it."
        )


class ProtocolMismatch(KbaseError):
    """The app and the server speak different versions (one was upgraded without the other)."""

    def default_message(self) -> str:
        return _("This kbase app and the server are different versions: ask the administrator to upgrade both.")


_BY_NAME: dict[str, type[KbaseError]] = {}


def _register(cls: type[KbaseError]) -> None:
    _BY_NAME[cls.__name__] = cls
    for sub in cls.__subclasses__():
        _register(sub)


def error_class(kind: str) -> type[KbaseError]:
    """The class named *kind*, or KbaseError for a kind this side does not know (the message still shows)."""
    if kind not in _BY_NAME:
        _register(KbaseError)  # classes defined since the last look (the services' own) count too
    return _BY_NAME.get(kind, KbaseError)
