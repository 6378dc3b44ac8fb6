"""Organizations: members, invitations, API keys."""
