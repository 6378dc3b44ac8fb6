"""Admin endpoint group: the audit log, broadcasts."""

from veriflow.admin.api import router
from veriflow.core.http import create_app, http_handler
from veriflow.notifications.broadcasts import router as broadcasts

app = create_app(router, broadcasts)
handler = http_handler(app)
