"""Reports for the head of sales."""

from kbase_tui.protocol import reports as api
from kbase_tui.services import reports

from . import service

service(api.run, reports.run)
