"""The closers' pipeline: board, deal card, won/lost dialogs, and the supervisor's view of all deals."""
