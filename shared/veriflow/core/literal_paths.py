"""A literal route path is a resource of its own, never a value of a parameter route.

API Gateway routes `DELETE /v1/notifications/preferences` to `DELETE /v1/notifications/{notification_id}`
(the only route with that method that fits), and so would FastAPI, which then refuses "preferences"
as a notification id. The path is the preferences resource: the answer is a 405 with its `Allow`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from veriflow.core.errors import method_not_allowed


def literal_methods(app: FastAPI) -> dict[str, frozenset[str]]:
    """Path -> methods of every route of the app without path parameters (HEAD, which Starlette
    adds, left out)."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, APIRoute) and "{" not in route.path:
            found.setdefault(route.path, set()).update((route.methods or set()) - {"HEAD"})
    return {path: frozenset(methods) for path, methods in found.items()}


class LiteralPathMethods:
    """Answers a method a literal path lacks with 405 before a parameter route can take it."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI) -> None:
        self.app, self._fastapi = app, fastapi
        self._literal: dict[str, frozenset[str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._literal is None:  # the routes are complete once the app serves
                self._literal = literal_methods(self._fastapi)
            methods = self._literal.get(scope["path"])
            method = scope["method"]
            if methods and method not in methods and not (method == "HEAD" and "GET" in methods):
                raise method_not_allowed(", ".join(sorted(methods)))
        await self.app(scope, receive, send)
