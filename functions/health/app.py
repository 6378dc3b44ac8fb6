"""Health endpoint group: liveness and readiness."""

from veriflow.core.http import create_app, http_handler
from veriflow.health.api import router

app = create_app(router)
handler = http_handler(app)
