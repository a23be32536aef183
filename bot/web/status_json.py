"""`summary.json` in the shape of Atlassian Statuspage's public summary, which widgets and
aggregators already read: https://status.chargebee.com/api (the page every hosted Statuspage
serves; also described as OpenAPI in https://www.mongodb.com/docs/api/doc/cloud-status.yaml).

Ids are stable: an incident is `inc-<n>`, its external updates `inc-<n>-update-<k>` (k: the
update's own number), a maintenance `mnt-<id>` and its stages `mnt-<id>-<status>`, a component
twelve hex digits of its name's digest. tests/service/statuspage_summary.schema.json holds the
shape, written from that documentation.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.status_config import StatusPageSettings
from bot.web.render import iso
from incidents.maintenance import Maintenance, stage_text
from incidents.statuspage import ComponentState, PublicIncident, StatusPage, impact

PAGE_ID = "sevbot"
Json = dict[str, Any]


def component_id(name: str) -> str:
    """A component's id: stable for its name, opaque like Statuspage's."""
    return hashlib.sha256(f"component:{name}".encode()).hexdigest()[:12]


def summary(page: StatusPage, *, settings: StatusPageSettings, base: str) -> Json:
    """The whole `summary.json`: page, status, components, unresolved incidents, and planned
    work that is scheduled or in progress."""
    components = {state.name: _component(state) for state in page.components}
    return {
        "page": {
            "id": PAGE_ID,
            "name": settings.title,
            "url": f"{base}/status",
            "time_zone": settings.timezone,
            "updated_at": iso(page.updated_at),
        },
        "status": {
            "indicator": page.status.indicator.value,
            "description": page.status.description,
        },
        "components": list(components.values()),
        "incidents": [_incident(i, components, base) for i in page.open_incidents],
        "scheduled_maintenances": [
            _maintenance(m, page, components, base) for m in page.maintenances
        ],
    }


def _component(state: ComponentState) -> Json:
    return {
        "id": component_id(state.name),
        "name": state.name,
        "status": state.status.value,
        "created_at": iso(state.created_at),
        "updated_at": iso(state.updated_at),
        "position": state.position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _incident(incident: PublicIncident, components: dict[str, Json], base: str) -> Json:
    ident = f"inc-{incident.number}"
    return {
        "id": ident,
        "name": incident.title,
        "status": incident.status.value,
        "impact": impact(incident.severity),
        "created_at": iso(incident.declared_at),
        "updated_at": iso(incident.updated_at),
        "started_at": iso(incident.declared_at),
        "monitoring_at": iso(incident.mitigated_at) if incident.mitigated_at else None,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
        "shortlink": f"{base}/status#incident-{incident.number}",
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": f"{ident}-update-{update.number}",
                "incident_id": ident,
                "status": update.status.value,
                "body": update.text,
                "created_at": iso(update.at),
                "updated_at": iso(update.at),
                "display_at": iso(update.at),
            }
            for update in incident.updates
        ],
        "components": [components[c.name] for c in incident.components if c.name in components],
    }


def _maintenance(
    planned: Maintenance, page: StatusPage, components: dict[str, Json], base: str
) -> Json:
    ident = f"mnt-{planned.id}"
    stages = planned.stages(page.now)
    return {
        "id": ident,
        "name": planned.title,
        "status": planned.status(page.now).value,
        "impact": "maintenance",
        "created_at": iso(planned.created_at),
        "updated_at": iso(planned.updated_at(page.now)),
        "started_at": iso(planned.starts_at),
        "monitoring_at": None,
        "resolved_at": None,
        "shortlink": f"{base}/status#maintenance-{planned.id}",
        "page_id": PAGE_ID,
        "scheduled_for": iso(planned.starts_at),
        "scheduled_until": iso(planned.ends_at),
        "incident_updates": [
            {
                "id": f"{ident}-{status.value}",
                "incident_id": ident,
                "status": status.value,
                "body": stage_text(planned, status),
                "created_at": iso(at),
                "updated_at": iso(at),
                "display_at": iso(at),
            }
            for status, at in reversed(stages)
        ],
        "components": [components[name] for name in planned.components if name in components],
    }
