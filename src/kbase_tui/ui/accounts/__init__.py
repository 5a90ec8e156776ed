"""The account managers' screens: follow-up list, account card, dialogs; the supervisor's accounts and lost list."""
