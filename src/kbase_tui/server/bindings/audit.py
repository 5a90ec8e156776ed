"""Reading the audit log."""

from kbase_tui.protocol import audit as api
from kbase_tui.services import audit

from . import service

service(api.events, audit.events)
service(api.find_companies, audit.find_companies)
service(api.access_summary, audit.access_summary)
