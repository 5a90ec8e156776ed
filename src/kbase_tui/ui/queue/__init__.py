"""The caller's cold-call queue screen, its dialogs, and the supervisor's call-script editor."""
