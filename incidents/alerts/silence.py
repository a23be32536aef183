"""Silence on acknowledge: while a group's incident is acknowledged and not resolved, the group
is silenced in Alertmanager; once the incident resolves, the silence is expired.

What to do is decided here from the group and its incident, so the work is a reconciliation:
a restart, a failed call or a missed event is put right on the next pass.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import datetime, timedelta

from incidents.alerts.model import AlertGroup
from incidents.model import Incident

LONGEST = timedelta(hours=24)
"""How long a silence is asked for: the incident usually resolves (and expires it) sooner; one
still unresolved after this gets a new silence on the next pass."""


class SilenceStep(enum.StrEnum):
    """What a group's silence needs now."""

    CREATE = "create"
    EXPIRE = "expire"


def silence_step(group: AlertGroup, incident: Incident | None, now: datetime) -> SilenceStep | None:
    """CREATE while the group's incident is acknowledged, active and unsilenced; EXPIRE once
    its silence belongs to an incident no longer active (or another incident); else None."""
    wanted = (
        incident is not None
        and incident.number == group.incident
        and incident.is_active
        and incident.acknowledged_at is not None
        and bool(group.matchers())
    )
    if group.silence_id is None:
        return SilenceStep.CREATE if wanted else None
    if not wanted or group.silenced_for != group.incident:
        return SilenceStep.EXPIRE
    if group.silenced_until is not None and now >= group.silenced_until:
        return SilenceStep.CREATE  # it ended by itself while the incident goes on
    return None


def silenced(group: AlertGroup, silence_id: str, until: datetime) -> AlertGroup:
    """The group with its silence created for its incident, ending by itself at `until`."""
    return replace(group, silence_id=silence_id, silenced_for=group.incident, silenced_until=until)


def unsilenced(group: AlertGroup) -> AlertGroup:
    """The group with its silence expired."""
    return replace(group, silence_id=None, silenced_for=None, silenced_until=None)


def silence_entry(group: AlertGroup, silence_id: str, ends_at: datetime) -> tuple[str, str]:
    """(timeline entry, message) for a silence created on acknowledgement."""
    matchers = ", ".join(f"{name}={value}" for name, value in group.matchers())
    entry = f"Silenced {group.source} alerts {{{matchers}}} in Alertmanager: silence {silence_id}"
    text = (
        f"🔕 Acknowledged, so Alertmanager is silencing {{{matchers}}} until this incident "
        f"resolves (silence {silence_id}; at most until "
        f"{ends_at.strftime('%Y-%m-%d %H:%M')} UTC)."
    )
    return entry, text


def expiry_entry(group: AlertGroup, silence_id: str) -> tuple[str, str]:
    """(timeline entry, message) for a silence expired at resolution."""
    entry = f"Expired Alertmanager silence {silence_id} ({group.source})"
    return entry, f"🔔 Resolved, so the Alertmanager silence {silence_id} is expired."
