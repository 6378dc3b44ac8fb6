"""Admin endpoint group: the audit log."""

from veriflow.admin.api import router
from veriflow.core.http import create_app, http_handler

app = create_app(router)
handler = http_handler(app)
