"""The tunables the head of sales and the administrator edit."""

from kbase_tui.protocol import settings as api
from kbase_tui.services import settings

from . import service

service(api.list_settings, settings.list_settings)
service(api.change_setting, settings.change_setting)
