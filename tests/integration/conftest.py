"""Integration tests run against a real PostgreSQL: see `postgres_url` in tests/conftest.py."""
