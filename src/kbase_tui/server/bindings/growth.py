"""Growing each client: standards, white spots, cross-sell, capacity, census, focus targets.

Figures that depend on the date use the server's date, never one the app sends (as the accounts')."""

from __future__ import annotations

from kbase_tui.protocol import growth as api
from kbase_tui.services import client_growth as growth

from . import service
from .accounts import on_server_date

service(api.standards, growth.standards)
service(api.save_standard, growth.save_standard)
service(api.delete_standard, growth.delete_standard)
service(api.segments, growth.segments)
on_server_date(api.client_growth, growth.client_growth)
on_server_date(api.portfolio_gaps, growth.portfolio_gaps)
on_server_date(api.cross_sell, growth.cross_sell)
on_server_date(api.growth_report, growth.growth_report)
on_server_date(api.capacity, growth.capacity)
on_server_date(api.census, growth.census)
on_server_date(api.focus_targets, growth.focus_targets)
service(api.save_focus_target, growth.save_focus_target)
service(api.delete_focus_target, growth.delete_focus_target)
on_server_date(api.focus_progress, growth.focus_progress)
