"""The Atom feed's entries (RFC 4287): one per public change, each with an identity of its own.

An entry's id names the change itself, never its time, so that three external updates within
one second are three entries, and an entry keeps its id however the page changes later
(RFC 4287 §4.2.6: "permanent, universally unique"; feed readers merge entries that share one).
With `SEVBOT_PUBLIC_URL` set the ids are tag URIs (RFC 4151) of that host:
`tag:status.example.com,2026-11-23:status/incident/42/update/3`; without it they are name-based
UUID URNs (RFC 4122 §4.3) of the same path, `urn:uuid:…`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from incidents.components import ComponentImpact
from incidents.maintenance import MaintenanceStatus, stage_text
from incidents.statuspage import PublicIncident, PublicStatus, PublicUpdate, StatusPage


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One Atom entry: id, title, when it changed, where it is shown, and what it says."""

    id: str
    title: str
    updated: datetime
    link: str
    content: str
    order: tuple[int, int] = (0, 0)  # what came first among changes of one instant


class EntryIds:
    """Entry ids of one feed: tag URIs of the public host, else UUID URNs named in `feed_id`."""

    def __init__(self, base: str, feed_id: str) -> None:
        parts = urlsplit(base) if base else None
        self._host = parts.hostname if parts is not None else None
        self._prefix = parts.path.strip("/") if parts is not None else ""
        self._feed_id = feed_id

    def __call__(self, path: str, since: datetime) -> str:
        """The id of the thing at `path` (`incident/42/update/3`), which exists since `since`."""
        specific = "/".join(p for p in (self._prefix, "status", path) if p)
        if self._host:
            return f"tag:{self._host},{since.astimezone(UTC):%Y-%m-%d}:{specific}"
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self._feed_id}/{specific}").urn


def feed_entries(page: StatusPage, *, base: str, feed_id: str) -> list[FeedEntry]:
    """Every public change on the page, newest first: external updates, post-incident
    summaries, component changes, resolutions, and planned work as it is scheduled, starts and
    ends."""
    ids = EntryIds(base, feed_id)
    entries: list[FeedEntry] = []
    for incident in (*page.open_incidents, *page.past_incidents):
        entries += _incident_entries(incident, ids, base)
    for planned in (*page.maintenances, *page.past_maintenances):
        link = f"{base}/status#maintenance-{planned.id}"
        for status, at in planned.stages(page.now):
            said = stage_text(planned, status)
            affected = (
                f"\nComponents: {', '.join(planned.components)}" if planned.components else ""
            )
            if affected and status is MaintenanceStatus.IN_PROGRESS:
                affected += " (under maintenance)"
            entries.append(
                FeedEntry(
                    id=ids(f"maintenance/{planned.id}/{status.value}", planned.created_at),
                    title=f"Scheduled maintenance: {planned.title}",
                    updated=at,
                    link=link,
                    content=f"{status.label} — {said}{affected}",
                    order=(planned.id, list(MaintenanceStatus).index(status)),
                )
            )
    entries.sort(key=lambda entry: (entry.updated, entry.order, entry.id), reverse=True)
    return entries


def _incident_entries(incident: PublicIncident, ids: EntryIds, base: str) -> list[FeedEntry]:
    link = f"{base}/status#incident-{incident.number}"
    since = incident.declared_at
    entries = [
        FeedEntry(
            id=ids(f"incident/{incident.number}/update/{update.number}", since),
            title=incident.title,
            updated=update.at,
            link=link,
            content=_update_text(update, summary=update is incident.summary),
            order=(incident.number, update.seq),
        )
        for update in (*incident.updates, *([incident.summary] if incident.summary else []))
    ]
    entries += [
        FeedEntry(
            id=ids(f"incident/{incident.number}/component/{change.seq}", since),
            title=incident.title,
            updated=change.at,
            link=link,
            content=f"{change.name}: {change.status.label} (was {change.before.label}).",
            order=(incident.number, change.seq),
        )
        for change in incident.component_changes
    ]
    entries += [
        FeedEntry(
            id=ids(f"incident/{incident.number}/resolved/{seq}", since),
            title=incident.title,
            updated=at,
            link=link,
            content=f"{PublicStatus.RESOLVED.label} — This incident has been resolved.",
            order=(incident.number, seq),
        )
        for seq, at in incident.resolutions
    ]
    return entries


def _update_text(update: PublicUpdate, *, summary: bool) -> str:
    """`Investigating — <text>`, then the components the incident named as they stood then."""
    head = "Post-incident summary" if summary else update.status.label
    return f"{head} — {update.text}{_affected(update.components)}"


def _affected(components: tuple[ComponentImpact, ...]) -> str:
    if not components:
        return ""
    listed = ", ".join(f"{c.name} ({c.status.label})" for c in components)
    return f"\nComponents: {listed}"
