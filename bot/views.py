"""Text views for queries: the incident list, the timeline, help."""

from __future__ import annotations

from datetime import datetime

from incidents.messages import at_name, render_plain
from incidents.model import Incident
from incidents.people import Person
from incidents.policy import Policy
from incidents.private import visible_to
from incidents.timefmt import clock_text, duration_text, when_text
from incidents.timers import next_deadline


def person_name(user: Person | None) -> str:
    """`slack:U123` → `@U123`; None → `unassigned`."""
    return at_name(user) if user else "unassigned"


def incident_list(
    incidents: list[Incident], policy: Policy, now: datetime, viewer: Person | None = None
) -> str:
    """One line per open incident: severity, number, title, phase, IC, age, next deadline.

    With a `viewer`, private incidents they are not inside are left out, without a trace;
    None (an admin, the CLI) lists them all. Private ones are marked 🔒.
    """
    if viewer is not None:
        incidents = [i for i in incidents if visible_to(i, viewer)]
    if not incidents:
        return "No open incidents. 🎉"
    lines = [f"Open incidents ({len(incidents)}):"]
    for incident in incidents:
        line = (
            f"{incident.severity.emoji} {incident.severity.label} #{incident.number} "
            f"{'🔒 ' if incident.private else ''}"
            f"{incident.title} · {incident.phase.value} · IC "
            f"{person_name(incident.incident_commander)} · open "
            f"{duration_text(now - incident.declared_at)}"
        )
        upcoming = next_deadline(incident, policy)
        if upcoming is not None:
            line += f" · {upcoming[0]} {when_text(upcoming[1], now)}"
        lines.append(line)
    return "\n".join(lines)


def timeline_text(incident: Incident, now: datetime) -> str:
    """The timeline, one entry per line, times in UTC."""
    lines = [f"Timeline of #{incident.number} {incident.title} (UTC):"]
    for entry in incident.timeline:
        who = person_name(entry.actor) if entry.actor else "sevbot"
        behalf = entry.get("on_behalf_of")
        if behalf:  # an API client said whom it acted for (recorded; it granted nothing)
            who += f" (for {behalf})"
        lines.append(f"{clock_text(entry.at, now)}  {who}  {entry.text}")
    return "\n".join(lines)


__all__ = ["incident_list", "person_name", "render_plain", "timeline_text"]
