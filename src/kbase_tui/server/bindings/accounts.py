"""The account managers' operations and the supervisor's view of the accounts.

The services take a `today` for their tests and the CLI; an operation never does: what is due,
what is lost and which order dates are in the future are decided by the server's date, not by
the clock of whoever sends the request.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from kbase_tui.protocol import accounts as api
from kbase_tui.protocol.operations import Operation
from kbase_tui.services.accounts import card, follow_up, lost, orders, quality, supervisor

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


on_server_date(api.follow_up_list, follow_up.follow_up_list)
service(api.account_card, card.account_card)
service(api.account_history, card.account_history)
service(api.orders, orders.list_orders)
on_server_date(api.record_order, orders.record_order)
service(api.follow_up_script, follow_up.follow_up_script)
on_server_date(api.record_follow_up, follow_up.record_follow_up)
service(api.update_requirements, follow_up.update_requirements)
service(api.set_potential, follow_up.set_potential)
service(api.my_tasks, quality.my_tasks)
service(api.record_quality_check, quality.record_quality_check)
service(api.lost_reasons, lost.lost_reasons)
service(api.mark_lost, lost.mark_lost)

service(api.quality_summary, quality.quality_summary)
on_server_date(api.managers, supervisor.managers)
on_server_date(api.all_accounts, supervisor.all_accounts)
service(api.reassign_account, supervisor.reassign_account)
service(api.lost_accounts, lost.lost_accounts)
