"""A leaving manager's portfolio, handed to colleagues."""

from kbase_tui.protocol import transfer as api
from kbase_tui.services import transfer

from . import service

service(api.staff, transfer.staff)
service(api.portfolio, transfer.portfolio)
service(api.transfer_portfolio, transfer.transfer_portfolio)
service(api.pass_on_held, transfer.pass_on_held)
