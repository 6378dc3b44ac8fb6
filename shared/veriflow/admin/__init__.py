"""Platform administration: the audit log (moderation, settings and the rest arrive with their issues)."""
