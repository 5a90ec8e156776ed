"""The head of sales' list of possible duplicates."""

from kbase_tui.protocol import duplicates as api
from kbase_tui.services import duplicates

from . import service

service(api.pairs, duplicates.pairs)
service(api.scan, duplicates.scan)
service(api.dismiss, duplicates.dismiss)
