"""The refusal list and the supervisor's decisions."""

from kbase_tui.protocol import refusals as api
from kbase_tui.services import refusals

from . import service

service(api.list_refusals, refusals.list_refusals)
service(api.count_refusals, refusals.count_refusals)
service(api.active_callers, refusals.active_callers)
service(api.decide, refusals.decide)
service(api.filter_choices, refusals.filter_choices)
service(api.desk_summary, refusals.desk_summary)
service(api.detail, refusals.detail)
