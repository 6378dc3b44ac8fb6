"""Auth endpoint group: sign-up, sign-in, tokens, sessions, email and password flows, OIDC, JWKS."""

from veriflow.auth.api import jwks_router, router
from veriflow.auth.oidc_api import router as oidc_router
from veriflow.core.http import create_app, http_handler

app = create_app(router, oidc_router, jwks_router)
handler = http_handler(app)
