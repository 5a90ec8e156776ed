"""The supervisor's configuration kept as data: the outcomes of a cold call and the reasons lists
(refusal, lost deal, lost client). Scripts (callscripts.py), targets (targets.py) and the tunables
(reference.py) have modules of their own."""

from .outcomes import SCREEN_KEYS, all_outcomes, save_outcome
from .reasons import REASON_KINDS, all_reasons, save_reason

__all__ = ["REASON_KINDS", "SCREEN_KEYS", "all_outcomes", "all_reasons", "save_outcome", "save_reason"]
