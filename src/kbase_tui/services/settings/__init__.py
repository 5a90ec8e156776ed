"""The supervisor's configuration kept as data: the outcomes of a cold call and the reasons lists
(refusal, lost deal, lost client). Scripts (callscripts.py), targets (targets.py) and the tunables
(reference.py: reading and storing) have modules of their own; tunables.py is how the head of sales and the
administrator edit the tunables (types, ranges, who may change which, the audit), calling_hours.py how they edit
the calling window of the cold-call queue."""

from .outcomes import SCREEN_KEYS, all_outcomes, save_outcome
from .reasons import REASON_KINDS, all_reasons, save_reason
from .tunables import change_setting, list_settings

__all__ = [
    "REASON_KINDS",
    "SCREEN_KEYS",
    "all_outcomes",
    "all_reasons",
    "change_setting",
    "list_settings",
    "save_outcome",
    "save_reason",
]
