"""What the page handlers share: the context, the templates, the sign-in signer and limiter."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.web.auth import FailureLimiter, Signer
from bot.web.context import WebContext
from bot.web.render import helpers

if TYPE_CHECKING:
    import jinja2


@dataclass
class Web:
    """What the page handlers share. The templates' environment is made on the first page
    (`make_templates`), so that Jinja2 is not loaded by a bot whose pages nobody opens."""

    app: WebContext
    make_templates: Callable[[], jinja2.Environment]
    signer: Signer | None
    limiter: FailureLimiter

    @functools.cached_property
    def templates(self) -> jinja2.Environment:
        """The templates' environment, made once."""
        return self.make_templates()

    def render(self, name: str, now: datetime, **context: Any) -> str:
        """Render a template with the shared helpers and page settings."""
        page = self.app.settings.status_page
        values = helpers(page.timezone, now) | {
            "page_title": page.title,
            "logo_text": page.logo_text,
        }
        return self.templates.get_template(name).render(values | context)

    def base_url(self) -> str:
        """SEVBOT_PUBLIC_URL without its trailing slash, else "" (links are then relative: the
        request's Host header is the client's to forge, and never makes a link)."""
        return (self.app.settings.public_url or "").rstrip("/")


WEB_KEY = web.AppKey("sevbot_web", Web)


def web_of(request: web.Request) -> Web:
    return request.app[WEB_KEY]
