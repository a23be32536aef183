"""The public status page: HTML, the Atom feed and `summary.json`, from external updates only."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.web.render import iso
from bot.web.shared import Web, web_of
from incidents.statuspage import PublicIncident, impact, status_page

HISTORY = timedelta(days=90)


async def _public(
    web_: Web, now: datetime
) -> tuple[Any, list[PublicIncident], list[PublicIncident]]:
    async with web_.app.store.transaction() as uow:
        incidents = await uow.incidents_since(now - HISTORY)
        incidents += [i for i in await uow.open_incidents() if i not in incidents]
    severities = web_.app.settings.status_page.severities()
    return status_page(incidents, public_severities=severities, now=now)


async def status_html(request: web.Request) -> web.Response:
    """GET /status: overall state, open incidents' external updates, 90 days of history."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    state, open_, past = await _public(web_, now)
    body = web_.render("status.html", now, state=state, open_incidents=open_, past_incidents=past)
    return web.Response(
        text=body, content_type="text/html", headers={"Cache-Control": "max-age=15"}
    )


async def status_feed(request: web.Request) -> web.Response:
    """GET /status/feed.atom: one entry per external update, newest first."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    _, open_, past = await _public(web_, now)
    entries = [
        (incident, update)
        for incident in [*open_, *past]
        for update in [*incident.updates, *([incident.summary] if incident.summary else [])]
    ]
    entries.sort(key=lambda pair: pair[1].at, reverse=True)
    updated = entries[0][1].at if entries else now
    base = web_.base_url()
    body = web_.render(
        "feed.atom",
        now,
        entries=entries,
        updated=updated,
        base_url=base,
        feed_id=f"{base}/status" if base else "urn:sevbot:status",  # an Atom id is absolute
    )
    return web.Response(text=body, content_type="application/atom+xml")


async def status_summary(request: web.Request) -> web.Response:
    """GET /status/summary.json in the shape of the common status-page summary."""
    web_ = web_of(request)
    now = web_.app.clock.now()
    state, open_, _ = await _public(web_, now)
    page = web_.app.settings.status_page
    base = web_.base_url()
    summary = {
        "page": {
            "id": "sevbot",
            "name": page.title,
            "url": f"{base}/status",
            "time_zone": page.timezone,
            "updated_at": iso(max([now, *(i.updated_at for i in open_)])),
        },
        "status": {"indicator": state.indicator, "description": state.description},
        "components": [],
        "incidents": [_incident_json(i, base) for i in open_],
        "scheduled_maintenances": [],
    }
    return web.json_response(summary, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _incident_json(incident: PublicIncident, base: str) -> dict[str, Any]:
    ident = f"inc-{incident.number}"
    return {
        "id": ident,
        "name": incident.title,
        "status": incident.public_status,
        "impact": impact(incident.severity),
        "created_at": iso(incident.declared_at),
        "updated_at": iso(incident.updated_at),
        "started_at": iso(incident.declared_at),
        "monitoring_at": None,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "shortlink": f"{base}/status#incident-{incident.number}",
        "page_id": "sevbot",
        "incident_updates": [
            {
                "id": f"{ident}-{index}",
                "incident_id": ident,
                "status": incident.public_status if index == 0 else "identified",
                "body": update.text,
                "created_at": iso(update.at),
                "updated_at": iso(update.at),
                "display_at": iso(update.at),
            }
            for index, update in enumerate(incident.updates)
        ],
    }
