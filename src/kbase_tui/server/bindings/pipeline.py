"""The closers' pipeline: board, deal card, won and lost, and the supervisor's view."""

from kbase_tui.protocol import pipeline as api
from kbase_tui.services import pipeline

from . import service

service(api.board, pipeline.board)
service(api.column_deals, pipeline.column_deals)
service(api.move_deal, pipeline.move_deal)
service(api.deal_card, pipeline.deal_card)
service(api.deal_history, pipeline.deal_history)
service(api.update_deal, pipeline.update_deal)
service(api.add_deal_note, pipeline.add_deal_note)
service(api.account_managers, pipeline.account_managers)
service(api.win_deal, pipeline.win_deal)
service(api.lost_reasons, pipeline.lost_reasons)
service(api.lose_deal, pipeline.lose_deal)
service(api.closers, pipeline.closers)
service(api.all_deals, pipeline.all_deals)
service(api.reassign_deal, pipeline.reassign_deal)
service(api.comment_deal, pipeline.comment_deal)
