"""Certificates endpoint group: issue (single, bulk), list and search, revoke, proofs, public verification."""

from veriflow.certificates.api import router, verify_router
from veriflow.core.http import create_app, http_handler

app = create_app(router, verify_router)
handler = http_handler(app)
