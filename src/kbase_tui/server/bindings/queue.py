"""The cold-call queue's operations."""

from kbase_tui.protocol import queue as api
from kbase_tui.services import queue, settings

from . import service

service(api.open_queue, queue.open_queue)
service(api.take_next, queue.take_next)
service(api.record_and_next, queue.record_and_next)
service(api.renew_lease, queue.renew_lease)
service(api.my_callbacks, queue.my_callbacks)
service(api.take_callback, queue.take_callback)
service(api.refusal_reasons, queue.refusal_reasons)
service(api.handover_closers, queue.handover_closers)
service(api.all_outcomes, settings.all_outcomes)
service(api.save_outcome, settings.save_outcome)
service(api.all_reasons, settings.all_reasons)
service(api.save_reason, settings.save_reason)
