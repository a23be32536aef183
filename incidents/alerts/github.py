"""GitHub as an alert source: CI failures and security findings, what they page and what waits
for a digest.

A finding (a failing workflow run, a code scanning, Dependabot or secret scanning alert, a
repository advisory) has a level, one of the keys of the source's `severities`: `ci_failure`
for a workflow, else the finding's own severity (`critical`, `high`, `medium`, `low`). Each
level maps to a severity, whose alert opens an incident or posts a card as any alert does, or
to a digest (`digest:daily`, `digest:weekly`): kept, and listed once in the next digest.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from incidents.alerts.model import Alert, AlertGroup, AlertStatus, Notification, Pairs
from incidents.messages import Audience, Message, MessageKind, Tone
from incidents.oncall.rotation import Handoff, wall_instant
from incidents.severity import Severity

CI_FAILURE = "ci_failure"
SECRET_SCANNING = "secret_scanning"  # a level of its own when configured; else `high`
LEVELS = ("critical", "high", CI_FAILURE, "medium", "low")
DIGEST = "digest:"
SHOWN_IN_DIGEST = 50  # findings listed in one digest; the rest are counted


class Cadence(enum.StrEnum):
    """How often a digest is posted."""

    DAILY = "daily"
    WEEKLY = "weekly"


Route = Severity | Cadence
"""Where a level goes: an alert of that severity, or a digest."""

DEFAULT_LEVELS: Mapping[str, Route] = {
    "critical": Severity.SEV0,
    "high": Severity.SEV1,
    CI_FAILURE: Severity.SEV2,
    "medium": Cadence.DAILY,
    "low": Cadence.WEEKLY,
}


def parse_digest(text: str) -> Cadence | None:
    """`digest:daily` → Cadence.DAILY; None when `text` is not a digest (a severity, then)."""
    if not text.startswith(DIGEST):
        return None
    return Cadence(text.removeprefix(DIGEST))  # ValueError for an unknown cadence


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """What one GitHub delivery says: a group (one failing workflow on a branch, or one
    security alert by number) fires or resolves. `fingerprint`: the alert instance (a run, or
    the security alert); a resolution with `resolves_group` resolves every alert of the group
    (a workflow's next success resolves all its failed runs)."""

    kind: str  # the event: workflow_run, dependabot_alert, ...
    repository: str  # owner/name
    key: str  # the group: github:<repo>:workflow:<id>:<branch>, github:<repo>:<kind>:<n>
    fingerprint: str
    firing: bool
    level: str = ""  # a key of `severities`
    title: str = ""
    detail: str = ""
    url: str = ""
    started_at: datetime | None = None
    resolves_group: bool = False
    group_labels: Pairs = ()  # what the group is, said as labels: repository, workflow, branch


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubRules:
    """One `kind = "github"` source: the branches whose workflows count (empty: each
    repository's default branch) and where each level goes."""

    name: str
    branches: tuple[str, ...] = ()
    levels: Mapping[str, Route] = field(default_factory=lambda: dict(DEFAULT_LEVELS))

    def route(self, level: str) -> Route:
        """Where findings of `level` go (an unknown level counts as `high`)."""
        for key in (level, "high"):
            if key in self.levels:  # not `or`: SEV-0 is falsy
                return self.levels[key]
        return Severity.SEV1

    def severities(self) -> dict[str, Severity]:
        """The levels that page, as an alert source's `severities`."""
        return {key: to for key, to in self.levels.items() if isinstance(to, Severity)}

    def counts_branch(self, branch: str, default_branch: str) -> bool:
        """Whether a workflow on `branch` is watched."""
        return branch in self.branches if self.branches else branch == default_branch


def notification(finding: Finding, source: str, group: AlertGroup | None) -> Notification:
    """The finding as a notification of its group. A group-wide resolution resolves every
    alert the group has firing (`group`: as stored; None when never seen)."""
    if not finding.firing:
        if finding.resolves_group:
            firing = group.firing if group is not None else ()
            fingerprints = [alert.fingerprint for alert in firing]
        else:
            fingerprints = [finding.fingerprint]
        gone = tuple(
            Alert(fingerprint=fingerprint, status=AlertStatus.RESOLVED)
            for fingerprint in fingerprints
        )
        return Notification(source=source, group_key=finding.key, alerts=gone)
    labels = {
        "alertname": finding.title,
        "severity": finding.level,
        "repository": finding.repository,
    }
    annotations = {"summary": finding.title}
    if finding.detail:
        annotations["description"] = finding.detail
    alert = Alert(
        fingerprint=finding.fingerprint,
        status=AlertStatus.FIRING,
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(annotations.items())),
        starts_at=finding.started_at,
        generator_url=finding.url,
    )
    return Notification(
        source=source,
        group_key=finding.key,
        alerts=(alert,),
        group_labels=finding.group_labels or (("repository", finding.repository),),
        common_annotations=(("summary", finding.title),),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestItem:
    """A finding waiting for its digest (`id` is 0 until stored)."""

    source: str
    cadence: Cadence
    key: str
    level: str
    title: str
    url: str
    received_at: datetime
    id: int = 0


def digest_item(finding: Finding, source: str, cadence: Cadence, now: datetime) -> DigestItem:
    """The finding as it waits for the `cadence` digest."""
    return DigestItem(
        source=source,
        cadence=cadence,
        key=finding.key,
        level=finding.level,
        title=finding.title,
        url=finding.url,
        received_at=now,
    )


def digest_message(
    items: Sequence[DigestItem], cadence: Cadence, source: str, rotation: str | None
) -> Message:
    """One message listing the findings of a digest, with their links."""
    word = "Daily" if cadence is Cadence.DAILY else "Weekly"
    lines = [
        f"• {item.level.upper()} · {item.title}" + (f" · {item.url}" if item.url else "")
        for item in items[:SHOWN_IN_DIGEST]
    ]
    if len(items) > SHOWN_IN_DIGEST:
        lines.append(f"…and {len(items) - SHOWN_IN_DIGEST} more.")
    return Message(
        kind=MessageKind.ALERT_DIGEST,
        audience=Audience.ONCALL,
        title=f"🗂 {word} digest from {source}: {len(items)} finding(s) to triage",
        text=("\n".join(lines),),
        rotation=rotation,
        tone=Tone.WARNING,
    )


DAILY_AT = time(9, 0)
WEEKLY_DEFAULT = Handoff(at=time(9, 0), zone="UTC", weekday=0)


def daily_schedule(zone: str) -> Handoff:
    """The daily digest: 09:00 in `zone` (the policy's business-hours zone)."""
    return Handoff(at=DAILY_AT, zone=zone, weekday=None)


def weekly_schedule(handoff: Handoff | None) -> Handoff:
    """The weekly digest: with the rotation's weekly handoff, else Monday 09:00 UTC."""
    if handoff is None or handoff.weekday is None:
        return WEEKLY_DEFAULT
    return handoff


def next_run(schedule: Handoff, after: datetime) -> datetime:
    """The first moment of `schedule` strictly after `after`."""
    zone = ZoneInfo(schedule.zone)
    day: date = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        at = wall_instant(day, schedule.at, zone)
        if at > after and (schedule.weekday is None or day.weekday() == schedule.weekday):
            return at
        day += timedelta(days=1)
