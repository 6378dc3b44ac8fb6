"""The audit log of privileged and security actions."""
