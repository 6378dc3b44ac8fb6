"""Organizations endpoint group: organizations, members, invitations, API keys."""

from veriflow.core.http import create_app, http_handler
from veriflow.orgs.api import router

app = create_app(router)
handler = http_handler(app)
