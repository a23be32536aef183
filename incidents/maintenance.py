"""Scheduled maintenance: planned work announced on the status page.

A maintenance is scheduled, in progress or completed by the clock alone: its status is worked
out from `now` whenever it is read, so it moves on its own and a restart changes nothing.
Statuspage's words (scheduled, in_progress, completed) for what `summary.json` readers know:
https://www.mongodb.com/docs/api/doc/cloud-status/operation/operation-getupcomingscheduledmaintenances
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from incidents import commands as c
from incidents.decision import MAX_TEXT, clean
from incidents.errors import InvalidCommand
from incidents.people import Person
from incidents.policy import Policy
from incidents.text import has_visible
from incidents.timefmt import stamp as utc_text

MAX_TITLE = 200
EXAMPLE = "/incident maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade"


class MaintenanceStatus(enum.StrEnum):
    """Where planned work is, by the clock."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        """What people read: `In progress`."""
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True, kw_only=True)
class Maintenance:
    """Planned work: what, when (UTC), which components, and who announced it when."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    components: tuple[str, ...]
    created_at: datetime
    created_by: Person

    def status(self, now: datetime) -> MaintenanceStatus:
        """Scheduled before it starts, in progress until it ends, completed after."""
        if now < self.starts_at:
            return MaintenanceStatus.SCHEDULED
        if now < self.ends_at:
            return MaintenanceStatus.IN_PROGRESS
        return MaintenanceStatus.COMPLETED

    def stages(self, now: datetime) -> list[tuple[MaintenanceStatus, datetime]]:
        """Each status it has reached by `now`, with when, in order."""
        reached = [(MaintenanceStatus.SCHEDULED, self.created_at)]
        if now >= self.starts_at:
            reached.append((MaintenanceStatus.IN_PROGRESS, self.starts_at))
        if now >= self.ends_at:
            reached.append((MaintenanceStatus.COMPLETED, self.ends_at))
        return reached

    def updated_at(self, now: datetime) -> datetime:
        """When its status last changed."""
        return self.stages(now)[-1][1]


def plan_maintenance(
    command: c.ScheduleMaintenance, *, actor: Person, now: datetime, policy: Policy
) -> Maintenance:
    """The maintenance `command` announces (the store gives it its id), or a polite refusal:
    it ends before it starts, starts in the past, has no title or names unknown components."""
    title = " ".join(clean(command.title).split())
    if not has_visible(title):
        raise InvalidCommand(f"Planned work needs a title, e.g. `{EXAMPLE}`.")
    if len(title) > MAX_TITLE:
        raise InvalidCommand(f"That title is {len(title)} characters; keep it under {MAX_TITLE}.")
    if command.ends_at <= command.starts_at:
        raise InvalidCommand(
            f"The maintenance must end after it starts: {utc_text(command.ends_at)} is not "
            f"after {utc_text(command.starts_at)}. Give the start, then the end, e.g. `{EXAMPLE}`."
        )
    # Typed to the minute: a start earlier this minute is now, not the past.
    if command.starts_at < now.replace(second=0, microsecond=0):
        raise InvalidCommand(
            f"The maintenance would start in the past ({utc_text(command.starts_at)}); it is "
            f"{utc_text(now)} now. Give a start from now on (UTC), e.g. `{EXAMPLE}`."
        )
    components = policy.status_page.components_named(command.components, EXAMPLE)
    return Maintenance(
        id=0,
        title=title[:MAX_TEXT],
        starts_at=command.starts_at,
        ends_at=command.ends_at,
        components=components,
        created_at=now,
        created_by=actor,
    )


def stage_text(maintenance: Maintenance, status: MaintenanceStatus) -> str:
    """What the page says as planned work reaches `status` (UTC times)."""
    if status is MaintenanceStatus.SCHEDULED:
        return (
            f"Planned work from {utc_text(maintenance.starts_at)} to "
            f"{utc_text(maintenance.ends_at)}."
        )
    if status is MaintenanceStatus.IN_PROGRESS:
        return f"The planned work is under way until {utc_text(maintenance.ends_at)}."
    return "The planned work is complete."


def announcement(maintenance: Maintenance) -> str:
    """The reply to whoever scheduled it: what the status page now says."""
    components = ", ".join(maintenance.components) or "no particular component"
    return (
        f"🛠 Scheduled maintenance M{maintenance.id} is on the status page: "
        f"{maintenance.title}, {utc_text(maintenance.starts_at)} to "
        f"{utc_text(maintenance.ends_at)} ({components}). It shows as in progress from its "
        "start and as completed after its end, by itself."
    )
