"""The Jinja2 environment of the web pages, and the helpers templates use.

Jinja2 and markdown-it are imported when the first page is rendered, not when `sevbot run`
starts: a bot whose pages nobody opens does not keep them in memory (issue 20).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from bot.views import person_name
from incidents.severity import Severity
from incidents.statuspage import impact
from incidents.timefmt import duration_text, relative_text

if TYPE_CHECKING:
    import jinja2
    from markdown_it import MarkdownIt


def environment() -> jinja2.Environment:
    """Templates shipped with the package; HTML and XML are autoescaped."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "atom")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def helpers(zone_name: str, now: datetime) -> dict[str, Any]:
    """Functions templates call: local times, durations, countdowns, people."""
    zone = ZoneInfo(zone_name)

    def local(moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return moment.astimezone(zone).strftime("%a %d %b %H:%M %Z")

    def short(moment: datetime) -> str:
        local_moment = moment.astimezone(zone)
        if local_moment.date() == now.astimezone(zone).date():
            return local_moment.strftime("%H:%M %Z")
        return local(moment)

    def countdown(moment: datetime | None) -> Markup:
        if moment is None:
            return Markup("—")
        late = "breached" if moment <= now else ""
        hint = (
            f"{relative_text(moment, now)}"
            if moment > now
            else f"{duration_text(now - moment)} overdue"
        )
        return Markup(
            '<time class="countdown {late}" datetime="{iso}">{at} <span class="rel">{hint}</span></time>'
        ).format(late=late, iso=iso(moment), at=short(moment), hint=hint)

    return {
        "now": now,
        "zone": zone_name,
        "local": local,
        "iso": iso,
        "duration": duration,
        "countdown": countdown,
        "person": person_name,
        "impact": impact,
        "impact_label": impact_label,
    }


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC: 2026-11-23T14:05:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(span: timedelta) -> str:
    """`1 h 10 min`."""
    return duration_text(span)


def impact_label(severity: Severity) -> str:
    """What customers read for a severity: its status-page impact (`Major impact`)."""
    return f"{impact(severity).capitalize()} impact"


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str) -> Markup:
    """Markdown to HTML with raw HTML disabled, so user text stays text."""
    return Markup(_markdown().render(text))


__all__ = ["environment", "escape", "helpers", "iso", "markdown"]
