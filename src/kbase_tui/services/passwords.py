"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import functools
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kbase_tui import shipped
from kbase_tui.i18n import _

from .errors import ValidationFailed

MIN_LENGTH = 10


@functools.cache
def hasher() -> PasswordHasher:
    # KBASE_FAST_HASH is for the test suite only: the defaults cost ~150 ms a hash.
    if os.environ.get("KBASE_FAST_HASH") == "1":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def dummy_verify() -> None:
    """Spend the time of a real verify so unknown users cannot be told apart by timing."""
    verify_password(_dummy_hash(), "not-the-password")


@functools.cache
def _dummy_hash() -> str:
    return hash_password("kbase-dummy-password")


@functools.cache
def common_passwords() -> frozenset[str]:
    # A missing list must not quietly turn the check off: the install is broken, say so.
    lines = shipped.read_text("common_passwords.txt").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def check_password_rules(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(_("The password must be at least {n} characters long.").format(n=MIN_LENGTH))
    folded = password.casefold()
    if folded in common_passwords():
        raise ValidationFailed(_("This password is too common; choose another one."))
    if username and username.casefold() in folded:
        raise ValidationFailed(_("The password must not contain the user name."))
    if len(set(password)) < 4:
        raise ValidationFailed(_("The password is too simple; use more different characters."))
