"""Specialists brought into a client: the account manager's side and the specialist's own."""

from __future__ import annotations

from kbase_tui.protocol import specialists as api
from kbase_tui.services import specialists

from . import service
from .accounts import on_server_date

service(api.people, specialists.people)
on_server_date(api.bring_in, specialists.bring_in)
service(api.open_tasks, specialists.open_tasks)
service(api.my_assignments, specialists.my_assignments)
service(api.card, specialists.card)
service(api.history, specialists.history)
service(api.close, specialists.close)
