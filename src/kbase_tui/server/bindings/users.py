"""The administrator's user accounts."""

from kbase_tui.protocol import users as api
from kbase_tui.services import users

from . import service

service(api.list_users, users.list_users)
service(api.create_user, users.create_user)
service(api.disable_user, users.disable_user)
service(api.enable_user, users.enable_user)
service(api.reset_password, users.reset_password)
service(api.set_time_zone, users.set_time_zone)
