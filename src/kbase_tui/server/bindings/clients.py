"""A client's card, contacts and history."""

from kbase_tui.protocol import clients as api
from kbase_tui.services import clients

from . import service

service(api.open_card, clients.open_card)
service(api.history, clients.history)
service(api.add_note, clients.add_note)
service(api.set_time_zone, clients.set_time_zone)
service(api.add_contact, clients.add_contact)
service(api.update_contact, clients.update_contact)
