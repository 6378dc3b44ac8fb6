"""Uploads endpoint group: presigned POSTs for files to verify, their status, and verification reports."""

from veriflow.core.http import create_app, http_handler
from veriflow.verification.api import reports_router, router

app = create_app(router, reports_router)
handler = http_handler(app)
