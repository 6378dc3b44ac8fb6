"""Notifications: delivery of the messages producers queue (their contract is in
`veriflow.messaging`), preferences, the in-app inbox and broadcasts."""
