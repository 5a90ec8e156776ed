"""The head of sales' playbook."""

from kbase_tui.protocol import playbook as api
from kbase_tui.services import playbook

from . import service

for _name in (
    "my_targets",
    "contact_standards",
    "set_contact_standard",
    "behind_standard",
    "behind_by_manager",
    "team_behind",
    "key_clients",
    "second_candidates",
    "assign_second",
    "remove_second",
    "my_second_clients",
    "second_card",
    "second_history",
    "lost_top",
    "return_plan",
    "add_return_step",
    "finish_return_step",
    "activation",
    "set_activation_plan",
):
    service(getattr(api, _name), getattr(playbook, _name))
