"""The supervisor's search of the whole base and the full company card."""

from kbase_tui.protocol import companies as api
from kbase_tui.services import base_search, company_merge

from . import service

service(api.search, base_search.search)
service(api.choices, base_search.choices)
service(api.card, base_search.card)
service(api.fix_data, base_search.fix_data)
service(api.return_to_queue, base_search.return_to_queue)
service(api.shelve, base_search.shelve)
service(api.do_not_call, base_search.do_not_call)
service(api.assignees, base_search.assignees)
service(api.assign, base_search.assign)

service(api.merge, company_merge.merge)
service(api.undo_merge, company_merge.undo_merge)
