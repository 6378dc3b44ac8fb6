"""Messaging: the notification and webhook event contracts, and the producers every domain calls
(`notify`, `webhooks`). A floor below the domains: producing a message never imports the domain
that delivers it, and every message goes through the outbox.
"""
