"""Webhooks: organizations' endpoints, signed event deliveries with retries, and their log."""
