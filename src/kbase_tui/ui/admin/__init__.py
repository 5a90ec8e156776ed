"""The administrator's screens: users (add, disable/enable, reset password) and the audit log."""
