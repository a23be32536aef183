"""The public status page: HTML, the Atom feed and `summary.json`, all from one `StatusPage`
(external updates, published titles, components and planned work; see `incidents.statuspage`)."""

from __future__ import annotations

import json
from datetime import datetime

from aiohttp import web

from bot.web.shared import Web, web_of
from bot.web.status_feed import feed_entries
from bot.web.status_json import summary
from incidents.statuspage import HISTORY, StatusPage, status_page


async def _page(web_: Web, now: datetime) -> StatusPage:
    """What the page shows at `now`, read in one transaction."""
    async with web_.app.store.transaction() as uow:
        incidents = await uow.incidents_since(now - HISTORY)
        incidents += [i for i in await uow.open_incidents() if i not in incidents]
        maintenances = await uow.maintenances_since(now - HISTORY)
        created = await uow.components_created()
    return status_page(
        incidents,
        config=web_.app.policy.status_page,
        now=now,
        maintenances=maintenances,
        created=created,
    )


async def status_html(request: web.Request) -> web.Response:
    """GET /status: the page's status, components, open incidents, planned work, 90 days of
    history."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    page = await _page(web_, now)
    body = web_.render("status.html", now, page=page)
    return web.Response(
        text=body, content_type="text/html", headers={"Cache-Control": "max-age=15"}
    )


async def status_feed(request: web.Request) -> web.Response:
    """GET /status/feed.atom: one entry per public change, newest first."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    page = await _page(web_, now)
    base = web_.base_url()
    feed_id = f"{base}/status" if base else "urn:sevbot:status"  # an Atom id is absolute
    entries = feed_entries(page, base=base, feed_id=feed_id)
    body = web_.render(
        "feed.atom",
        now,
        entries=entries,
        updated=max((e.updated for e in entries), default=page.updated_at),
        base_url=base,
        feed_id=feed_id,
    )
    return web.Response(text=body, content_type="application/atom+xml")


async def status_summary(request: web.Request) -> web.Response:
    """GET /status/summary.json in the shape of Statuspage's public summary."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    page = await _page(web_, now)
    body = summary(page, settings=web_.app.settings.status_page, base=web_.base_url())
    return web.json_response(body, dumps=lambda v: json.dumps(v, ensure_ascii=False))
