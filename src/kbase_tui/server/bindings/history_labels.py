"""Words for the codes on history entries."""

from kbase_tui.protocol import history_labels as api
from kbase_tui.services import history_labels

from . import service

service(api.outcome_labels, history_labels.outcome_labels)
