"""Audit screens: who had access to which client, and when; security alarms."""
