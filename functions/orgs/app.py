"""Organizations endpoint group: organizations, members, invitations, API keys, webhook endpoints."""

from veriflow.core.http import create_app, http_handler
from veriflow.orgs.api import router
from veriflow.webhooks.api import router as webhooks_router

app = create_app(router, webhooks_router)
handler = http_handler(app)
