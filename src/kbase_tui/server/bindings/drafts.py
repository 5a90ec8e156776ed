"""Drafts of the signed-in person."""

from kbase_tui.protocol import drafts as api
from kbase_tui.services import drafts

from . import service

service(api.save_draft, drafts.save_draft)
service(api.drafts_of, drafts.drafts_of)
service(api.discard_draft, drafts.discard_draft)
service(api.leftover_drafts, drafts.leftover_drafts)
service(api.save_leftover_as_note, drafts.save_leftover_as_note)
