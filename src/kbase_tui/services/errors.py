"""Exceptions the services raise.  Each carries a message the UI can show as is."""

from __future__ import annotations

from kbase_tui.i18n import _


class KbaseError(Exception):
    """Base of every expected failure: the UI shows `str(error)` in one line."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("Something went wrong.")


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
        # One message for unknown user and wrong password: no user enumeration.
        return _("Wrong user name or password.")


class AccountLocked(KbaseError):
    def default_message(self) -> str:
        return _("Too many failed attempts: the account is locked for 15 minutes.")


class PasswordChangeRequired(KbaseError):
    def default_message(self) -> str:
        return _("You must set a new password before you continue.")


class StaleRecord(KbaseError):
    """Someone else saved the record after it was loaded (optimistic locking)."""

    def __init__(self, message: str | None = None, current: object | None = None) -> None:
        super().__init__(message)
        self.current = current

    def default_message(self) -> str:
        return _("Someone else changed this record while you were editing it.")


class DatabaseBusy(KbaseError):
    def default_message(self) -> str:
        return _("The database is busy, retrying.")


class StorageFull(KbaseError):
    def default_message(self) -> str:
        return _("The disk is full or cannot be written: nothing was saved. Ask the administrator to free space.")


class QueueEmpty(KbaseError):
    def default_message(self) -> str:
        return _("No leads are waiting in the queue right now.")
