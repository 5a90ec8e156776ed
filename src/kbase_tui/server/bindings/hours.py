"""The calling window, as the head of sales and the administrator see and change it."""

from kbase_tui.protocol import hours as api
from kbase_tui.services.settings import calling_hours

from . import service

service(api.calling_window, calling_hours.calling_window)
service(api.change_calling_window, calling_hours.change_calling_window)
service(api.change_channel_window, calling_hours.change_channel_window)
service(api.remove_channel_window, calling_hours.remove_channel_window)
