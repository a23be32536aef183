"""The post-incident review draft: ReviewFacts rendered through a Jinja2 Markdown template.

The shipped template is `bot/templates/review.md.j2`; a team points `SEVBOT_REVIEW_TEMPLATE`
at its own (which may `{% extends "sevbot/review.md.j2" %}` and override blocks). The
template gets ready-made text (`severity_changes`, `timeline`, `measures`, `phases`, …, see
`review_context`) and the raw `incident` and `facts`. Rendering is deterministic: the same
facts give the same bytes. Times read in UTC, with the reader's zone beside them when known.
People read by name when `names` knows them (`@id` when not), escaped: a name never makes
Markdown, a mention or a link (`incidents.names.markdown_name`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.views import entry_parts
from incidents.errors import DomainError
from incidents.messages import Mention
from incidents.mirror import platform_label
from incidents.model import EntryKind, Incident, TimelineEntry
from incidents.names import NO_NAMES, Names, markdown_name
from incidents.people import Person
from incidents.review import ReviewFacts, Verdict
from incidents.timefmt import duration_text, exact_duration_text, stamp

if TYPE_CHECKING:
    import jinja2

# Jinja2 is imported when a review is first drafted (or a team's template checked at start),
# not with this module: the dashboard imports it, and most processes never draft a review.

DEFAULT_TEMPLATE = "review.md.j2"
_BUILTIN_PREFIX = "sevbot"

MARKS = {
    Verdict.MET: "✅ met",
    Verdict.MISSED: "❌ missed",
    Verdict.PENDING: "⏳ in progress",
    Verdict.SKIPPED: "⏭ skipped",
    Verdict.NOT_REACHED: "— not reached",
}

# How each kind of timeline entry is marked; kinds whose text says what they are go bare.
TAGS = {
    EntryKind.PAGED: "[page]",
    EntryKind.ESCALATED: "[escalation]",
    EntryKind.STATUS_UPDATE: "[internal]",
    EntryKind.EXTERNAL_UPDATE: "**[external]**",
    EntryKind.ROLE_ASSIGNED: "[role]",
    EntryKind.NOTE: "[note]",
    EntryKind.ACTION_ADDED: "[action]",
    EntryKind.ACTION_DONE: "[action]",
    EntryKind.REMINDER: "[reminder]",
    EntryKind.WARNING: "[warning]",
    EntryKind.BREACH: "[breach]",
    EntryKind.REVIEW_DONE: "[review]",
    EntryKind.PINNED: "📌",
    EntryKind.ALERT: "[alert]",
}


class ReviewTemplateError(DomainError):
    """The review template could not be loaded or rendered; says which and where."""


class UnknownTimeZone(ValueError):
    """A reader zone that is not an IANA time zone name."""


def reader_zone_named(name: str | None) -> ZoneInfo | None:
    """`Europe/Paris` → its zone; None or `UTC` → None (UTC only). Raises UnknownTimeZone."""
    if name is None or name.strip().upper() in ("", "UTC", "Z"):
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(
            f"`{name}` is not an IANA time zone; use a name like Europe/Paris or America/New_York."
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineRow:
    """One timeline entry as the review shows it."""

    when: str  # `2026-11-23 14:03 UTC (15:03 CET)`
    who: str
    kind: str  # the EntryKind value, for team templates
    tag: str  # `[internal]`, `**[external]**`, `📌`, `[note]`, … or "" when the text says it
    text: str
    entry: TimelineEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureRow:
    """A row of the durations table."""

    measure: str
    took: str
    target: str
    result: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseRow:
    """A row of the phase-window table."""

    phase: str
    entered: str
    spent: str
    window_ends: str
    result: str
    verdict: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRow:
    """An action item as a checklist line."""

    number: int
    text: str
    owner: str
    done: bool
    state: str
    issue: str | None = None  # its issue in the tracker (`--issue`), once opened


def _span(span: timedelta | None) -> str:
    return "—" if span is None else duration_text(span)


def _response_result(facts: ReviewFacts) -> str:
    """`✅ met`, or `❌ missed by 36 s`: a miss says by exactly how much."""
    mark = MARKS[facts.response_verdict]
    if facts.response_overshoot is None:
        return mark
    return f"{mark} by {exact_duration_text(facts.response_overshoot)}"


def _took_to_acknowledge(facts: ReviewFacts) -> str:
    """How long acknowledging took; to the second when it missed, so it never reads as a match."""
    if facts.response_overshoot is None or facts.time_to_acknowledge is None:
        return _span(facts.time_to_acknowledge)
    return exact_duration_text(facts.time_to_acknowledge)


class _TimeText:
    """How a moment reads: UTC always, the reader's zone beside it when known."""

    def __init__(self, zone: tzinfo | None) -> None:
        self.zone = zone

    def local(self, moment: datetime) -> str:
        """`15:03 CET`, with the weekday and date when the local day differs from UTC's."""
        if self.zone is None:
            return ""
        here = moment.astimezone(self.zone)
        same_day = here.date() == moment.astimezone(UTC).date()
        return here.strftime("%H:%M %Z" if same_day else "%a %d %b %H:%M %Z")

    def when(self, moment: datetime | None) -> str:
        """`2026-11-23 14:03 UTC (15:03 CET)`, or `—`."""
        if moment is None:
            return "—"
        local = self.local(moment)
        return f"{stamp(moment)} ({local})" if local else stamp(moment)


class _People:
    """How people read in the review: their names, escaped for Markdown, else `@id`."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def __call__(self, user: Person | None, empty: str = "unassigned") -> str:
        """One person (the template's `person` filter); `empty` for nobody."""
        return markdown_name(user, self.names, empty=empty)

    def entry_text(self, entry: TimelineEntry) -> str:
        """An entry's text on one line, the person it names (paged, given a role) by name."""
        pieces = [
            self(part.user) if isinstance(part, Mention) else str(part)
            for part in entry_parts(entry)
        ]
        text = " ".join("".join(pieces).split())
        if entry.kind is EntryKind.PINNED:
            author = entry.get("author")
            link = entry.get("link")
            who = self(Person.stored(author) if author else None)
            text = f"{who}: “{text}”" + (f" ([message]({link}))" if link else "")
        return text


def _platform(entry: TimelineEntry) -> str:
    """` (Discord)` after whoever acted on a mirrored incident from Discord; else nothing."""
    platform = entry.get("platform")
    return f" ({platform_label(platform)})" if platform else ""


def _timeline(incident: Incident, times: _TimeText, people: _People) -> tuple[TimelineRow, ...]:
    return tuple(
        TimelineRow(
            when=times.when(entry.at),
            who=people(entry.actor, "sevbot") + _platform(entry),
            kind=entry.kind.value,
            tag=TAGS.get(entry.kind, ""),
            text=people.entry_text(entry),
            entry=entry,
        )
        for entry in incident.timeline
    )


def review_context(
    facts: ReviewFacts, reader_zone: tzinfo | None = None, names: Names = NO_NAMES
) -> dict[str, Any]:
    """Everything a review template can use, computed once, in a fixed order; people by name
    where `names` knows them."""
    incident = facts.incident
    times = _TimeText(reader_zone)
    person_name = _People(names)
    oncall = incident.oncall
    declared_as = (
        facts.severity_changes[0].get("before") if facts.severity_changes else None
    ) or incident.severity.label
    review_state = (
        f"done {times.when(incident.review_done_at)}: "
        + (incident.review_link or "without a write-up (see the timeline)")
        if incident.review_done_at is not None
        else "not done yet"
    )
    return {
        "incident": incident,
        "facts": facts,
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity.label,
        "severity_emoji": incident.severity.emoji,
        "declared_as": declared_as,
        "severity_changes": [
            {
                "when": times.when(change.at),
                "before": change.get("before") or "?",
                "after": change.get("after") or "?",
                "who": person_name(change.actor),
            }
            for change in facts.severity_changes
        ],
        "incident_commander": person_name(incident.incident_commander),
        "communications_lead": person_name(incident.communications_lead),
        "responders": [person_name(r) for r in incident.responders],
        "oncall": None
        if oncall is None
        else ", ".join(
            [
                *([f"{person_name(oncall.primary)} (primary)"] if oncall.primary else []),
                *([f"{person_name(oncall.backup)} (backup)"] if oncall.backup else []),
                f"rotation {oncall.rotation}",
            ]
        ),
        "declared": times.when(incident.declared_at),
        "declared_by": person_name(incident.declared_by),
        "acknowledged": times.when(incident.acknowledged_at),
        "acknowledged_by": person_name(incident.acknowledged_by),
        "mitigated": times.when(incident.mitigated_at),
        "resolved": times.when(incident.resolved_at),
        "closed": times.when(incident.closed_at) if incident.closed_at else None,
        "as_of": times.when(facts.generated_at),
        "summary": incident.resolution_summary,
        "review_due": times.when(facts.review_due) if facts.review_due else None,
        "review_state": review_state,
        "response": {
            "target": facts.response_target,
            "deadline": times.when(facts.response_deadline),
            "result": _response_result(facts),
            "verdict": facts.response_verdict.value,
        },
        "measures": [
            MeasureRow(
                measure="Time to acknowledge",
                took=_took_to_acknowledge(facts),
                target=f"{facts.response_target} (by {times.when(facts.response_deadline)})",
                result=_response_result(facts),
            ),
            MeasureRow(
                measure="Time to mitigate",
                took=_span(facts.time_to_mitigate),
                target="—",
                result="—",
            ),
            MeasureRow(
                measure="Time to resolve", took=_span(facts.time_to_resolve), target="—", result="—"
            ),
        ],
        "phases": [
            PhaseRow(
                phase=span.phase.value,
                entered=times.when(span.entered_at),
                spent=_span(span.duration),
                window_ends=times.when(span.window_end),
                result=MARKS[span.verdict],
                verdict=span.verdict.value,
            )
            for span in facts.phases
        ],
        "zone": None if reader_zone is None else str(reader_zone),
        "timeline": _timeline(incident, times, person_name),
        "action_items": [
            ActionRow(
                number=item.number,
                text=" ".join(item.text.split()),
                owner=person_name(item.owner) if item.owner else "no owner",
                done=item.done_at is not None,
                state=f"done {times.when(item.done_at)}" if item.done_at else "open",
                issue=item.issue_url,
            )
            for item in incident.action_items
        ],
        "participants": [person_name(p) for p in facts.participants],
        "private": facts.private,
        "insiders": [person_name(p) for p in facts.insiders],
    }


def _environment(template_path: Path | None, names: Names = NO_NAMES) -> jinja2.Environment:
    import jinja2

    builtin = jinja2.PackageLoader("bot", "templates")
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({_BUILTIN_PREFIX: builtin})]
    if template_path is not None:
        loaders.insert(0, jinja2.FileSystemLoader(template_path.parent))
    else:
        loaders.insert(0, builtin)
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # Markdown, not HTML
        undefined=jinja2.StrictUndefined,  # a typo in a team template fails loudly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    filters: dict[str, Callable[..., str]] = {"duration": _span, "person": _People(names)}
    environment.filters.update(filters)
    return environment


def load_template(
    template_path: str | Path | None = None, names: Names = NO_NAMES
) -> jinja2.Template:
    """The shipped template, or a team's own; ReviewTemplateError says what is wrong with it.
    Its `person` filter reads people by `names`."""
    path = None if template_path is None else Path(template_path).expanduser()
    where = "the built-in review template" if path is None else f"the review template {path}"
    if path is not None and not path.is_file():
        raise ReviewTemplateError(
            f"{where} does not exist; point SEVBOT_REVIEW_TEMPLATE at a Jinja2 file."
        )
    import jinja2

    try:
        return _environment(path, names).get_template(
            DEFAULT_TEMPLATE if path is None else path.name
        )
    except jinja2.TemplateSyntaxError as error:
        raise ReviewTemplateError(
            f"{where} has a syntax error at line {error.lineno}: {error.message}"
        ) from None
    except jinja2.TemplateError as error:
        raise ReviewTemplateError(f"{where} could not be loaded: {error}") from None


def render_review(
    facts: ReviewFacts,
    *,
    template_path: str | Path | None = None,
    reader_zone: tzinfo | None = None,
    names: Names = NO_NAMES,
) -> str:
    """The review draft as Markdown, people by name where `names` knows them. Stable: the same
    facts and names render byte-identically."""
    template = load_template(template_path, names)
    import jinja2

    try:
        text = template.render(review_context(facts, reader_zone, names))
    except jinja2.TemplateError as error:
        where = "the built-in review template" if template_path is None else str(template_path)
        raise ReviewTemplateError(f"Rendering {where} failed: {error}") from None
    return text if text.endswith("\n") else text + "\n"
