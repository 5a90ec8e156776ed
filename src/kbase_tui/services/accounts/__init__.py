"""Account managers' work: repeat sales from active clients, and lost clients brought back.

A company reaches the account stage through `pipeline.hand_over_to_account` (stage account,
category active, owner = the account manager).  From then on:

- `follow_up_list` is the account manager's own clients, due follow-ups first, then by the next
  planned purchase (the date the client named, else predicted from the average interval between
  orders), paged from the database.  It never aggregates: the figures on Company
  (orders_count, revenue_total, margin_total, first/last_order_at, next_purchase_at,
  next_purchase_is_stated, next_follow_up_at) are kept here on every order and call.
- `record_order` adds an order, updates those figures, brings a lost client back to active,
  creates a quality-check task (kind quality_check) for the account manager and recomputes the
  ABCDE classes of the channel and the key clients (`services.classify`).
- `record_follow_up` is the scripted call (`follow_up_script`): result, the purchase date the
  client named, the next follow-up date and notes, all into the company's history.
- `record_quality_check` closes a quality task with a score 1-5 and a comment;
  `quality_summary` rolls the scores up per manager and period for the supervisor.
- A client with no order for `accounts.lost_interval_multiple` times its usual interval between
  orders (the default interval for a client with one order) becomes lost with a return task
  (kind return): `check_lost`, run when the list loads and by `kbase classify`.  A client who
  named a future purchase date is not moved.  `mark_lost` does the same by hand with a reason.
- The supervisor: `managers`, `all_accounts`, `reassign_account` (the whole history stays with
  the company; the new manager and the previous one are notified after the commit, services.notify),
  `lost_accounts` (reasons and return-plan progress).

The package, one module per job: `follow_up` (the list and the call), `orders`, `card`, `quality`
(tasks and the quality check), `lost`, `supervisor`; `base` holds what they share. This package
names the operations the server binds and the CLI calls.

Access: account managers only their own account-stage companies (policy.require_company), the
supervisor all of them; every function checks that first.
"""

from .base import ClassifyReport, days_until, upcoming_holiday, usual_interval
from .card import account_card, account_history
from .follow_up import follow_up_list, follow_up_script, record_follow_up, set_potential, update_requirements
from .lost import check_lost, lost_accounts, lost_reasons, mark_lost
from .orders import list_orders, record_order
from .quality import my_tasks, quality_summary, record_quality_check
from .supervisor import all_accounts, classify_all, managers, reassign_account

__all__ = [
    "ClassifyReport",
    "account_card",
    "account_history",
    "all_accounts",
    "check_lost",
    "classify_all",
    "days_until",
    "follow_up_list",
    "follow_up_script",
    "list_orders",
    "lost_accounts",
    "lost_reasons",
    "managers",
    "mark_lost",
    "my_tasks",
    "quality_summary",
    "reassign_account",
    "record_follow_up",
    "record_order",
    "record_quality_check",
    "set_potential",
    "upcoming_holiday",
    "update_requirements",
    "usual_interval",
]
