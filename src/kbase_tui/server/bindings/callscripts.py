"""The supervisor's call-script editor."""

from kbase_tui.protocol import callscripts as api
from kbase_tui.services import callscripts

from . import service

service(api.list_scripts, callscripts.list_scripts)
service(api.save_script, callscripts.save_script)
service(api.delete_script, callscripts.delete_script)
