from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from .base import utcnow


class Role(StrEnum):
    CALLER = "caller"
    CLOSER = "closer"
    ACCOUNT = "account"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # A project manager or technical specialist: sees a client only while a task of an account
    # manager's brings them in (services.policy).
    SPECIALIST = "specialist"


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16, index=True)
    password_hash: str = Field(max_length=255)
    must_change_password: bool = False
    disabled: bool = Field(default=False, index=True)
    failed_logins: int = 0
    locked_until: datetime | None = None
    language: str | None = Field(default=None, max_length=8)
    # The person's IANA zone (None: the call centre's): their screen shows every time in it.
    time_zone: str | None = Field(default=None, max_length=64)
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class SignInFailure(SQLModel, table=True):
    """Failed sign-ins, counted per (user name, terminal address), per address and per user name.

    One terminal that guesses locks only itself out of that account (`pair`); one terminal that
    tries many accounts is locked out of all of them (`address`); many terminals at one account
    (`user`) never lock the account, they slow its sign-ins and raise the alarm, so nobody can
    lock the head of sales out from a terminal of their own.
    """

    __tablename__ = "sign_in_failure"

    scope: str = Field(primary_key=True, max_length=8)  # pair | address | user
    username: str = Field(default="", primary_key=True, max_length=64)
    address: str = Field(default="", primary_key=True, max_length=64)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
