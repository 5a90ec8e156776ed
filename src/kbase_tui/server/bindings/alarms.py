"""Security alarms, for the supervisor and the administrator."""

from kbase_tui.protocol import alarms as api
from kbase_tui.services import alarms

from . import service

service(api.open_alarms, alarms.open_alarms)
service(api.dismiss, alarms.dismiss)
service(api.lock_user, alarms.lock_user)
