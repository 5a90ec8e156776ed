"""The account managers' operations and the supervisor's view of the accounts.

The services take a `today` for their tests and the CLI; an operation never does: what is due,
what is lost and which order dates are in the future are decided by the server's date, not by
the clock of whoever sends the request.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from kbase_tui.protocol import accounts as api
from kbase_tui.protocol.operations import Operation
from kbase_tui.services import accounts

from . import CallContext, adapter, service


def on_server_date(op: Operation[Any], function: Callable[..., Any]) -> None:
    """*op* runs `function(db, actor, **args)` with the server's date (`today` left to its default)."""

    @functools.wraps(function)
    def target(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    # What the app may send: the service's parameters without `today` (checked against the stub).
    signature = inspect.signature(function)
    target.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name != "today"]
    )
    target.__annotations__ = {k: v for k, v in function.__annotations__.items() if k != "today"}

    def handler(context: CallContext, **args: Any) -> Any:
        return function(context.db, context.actor, **args)

    adapter(op, target)(handler)


on_server_date(api.follow_up_list, accounts.follow_up_list)
service(api.account_card, accounts.account_card)
service(api.account_history, accounts.account_history)
service(api.orders, accounts.orders)
on_server_date(api.record_order, accounts.record_order)
service(api.follow_up_script, accounts.follow_up_script)
on_server_date(api.record_follow_up, accounts.record_follow_up)
service(api.update_requirements, accounts.update_requirements)
service(api.set_potential, accounts.set_potential)
service(api.my_tasks, accounts.my_tasks)
service(api.record_quality_check, accounts.record_quality_check)
service(api.lost_reasons, accounts.lost_reasons)
service(api.mark_lost, accounts.mark_lost)

service(api.quality_summary, accounts.quality_summary)
on_server_date(api.managers, accounts.managers)
on_server_date(api.all_accounts, accounts.all_accounts)
service(api.reassign_account, accounts.reassign_account)
service(api.lost_accounts, accounts.lost_accounts)
