"""Targets per user."""

from kbase_tui.protocol import targets as api
from kbase_tui.services import targets

from . import service

service(api.people, targets.people)
service(api.set_target, targets.set_target)
service(api.delete_target, targets.delete_target)
service(api.list_targets, targets.list_targets)
