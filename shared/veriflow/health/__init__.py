"""Liveness and readiness of a deployment."""
