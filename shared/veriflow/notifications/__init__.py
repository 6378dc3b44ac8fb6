"""Notifications: the message contract producers put on the queue, and its delivery."""
