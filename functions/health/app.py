"""Health endpoint group: liveness and readiness; also the `$default` route (404, or 405 with Allow)."""

from veriflow.core.http import create_app, http_handler
from veriflow.health import unmatched
from veriflow.health.api import router

# The catch-all comes last: the health routes match first.
app = create_app(router, unmatched.router)
handler = http_handler(app)
