"""Scheduled housekeeping: key rotation and removal of expired credentials."""
