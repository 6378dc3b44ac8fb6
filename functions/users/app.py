"""Users endpoint group: the signed-in user's account, and platform administration of accounts."""

from veriflow.core.http import create_app, http_handler
from veriflow.users.api import router

app = create_app(router)
handler = http_handler(app)
