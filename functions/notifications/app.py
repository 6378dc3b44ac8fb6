"""Notifications endpoint group: the inbox and preferences."""

from veriflow.core.http import create_app, http_handler
from veriflow.notifications.api import router

app = create_app(router)
handler = http_handler(app)
