"""Render core messages as the lines a person reads in a terminal transcript."""

from __future__ import annotations

from datetime import datetime

from incidents.messages import Audience, Message, MessageKind, render_plain
from incidents.names import NO_NAMES, Names, plain_name
from incidents.timefmt import clock_text

WHERE_WIDTH = 16


def where(message: Message, channels: dict[int, str], names: Names = NO_NAMES) -> str:
    """The channel a message lands in, as a short label."""
    if message.audience is Audience.INCIDENT and message.incident is not None:
        return short("#" + channels.get(message.incident, f"inc-{message.incident}"))
    if message.audience is Audience.DIRECT and message.recipient:
        return "DM " + plain_name(message.recipient, names)
    if message.audience is Audience.REPLY:
        return "(only you)"
    return {"announce": "#incidents", "oncall": "#oncall"}.get(message.audience.value, "?")


class DaySeparator:
    """`── Tuesday 24 November 2026 ──` when a transcript moves to another UTC day."""

    def __init__(self) -> None:
        self._day: str | None = None

    def line(self, at: datetime) -> str | None:
        """The separator to print before something at `at`, if the day changed."""
        day = at.strftime("%A %d %B %Y")
        changed = self._day is not None and day != self._day
        self._day = day
        return f"── {day} ──" if changed else None


def compact_facts(message: Message, names: Names = NO_NAMES) -> str:
    """`SEV-1 · triage · IC @sam · next: status update 14:40 UTC (in 20 min)`."""
    values = []
    for fact in message.facts:
        value = render_plain(fact.value, names)
        if fact.label == "Incident commander":
            value = f"IC {value}"
        elif fact.label == "Next deadline":
            value = f"next: {value}"
        values.append(value)
    return " · ".join(values)


def short(label: str) -> str:
    """A channel label cut to the transcript's column."""
    return label if len(label) <= WHERE_WIDTH else label[: WHERE_WIDTH - 1] + "…"


def render_lines(
    message: Message, at: datetime, channels: dict[int, str], names: Names = NO_NAMES
) -> list[str]:
    """`14:03  #inc-42-checko…  ✅ @sam acknowledged …`, facts and buttons indented below;
    people by name where `names` knows them."""
    return lines_at(message, at, where(message, channels, names), names)


def lines_at(message: Message, at: datetime, label: str, names: Names = NO_NAMES) -> list[str]:
    """The message's transcript lines, posted at `at` in the place labelled `label`."""
    prefix = f"{clock_text(at, at)}  {label:<{WHERE_WIDTH}}  "
    indent = " " * len(prefix)
    body: list[str] = []
    if message.title:
        body.append(("📌 " if message.pin else "") + message.title)
    body += render_plain(message.text, names).splitlines() or [""]
    if message.facts and message.kind is not MessageKind.SUMMARY:
        body.append("↳ " + compact_facts(message, names))
    if message.buttons:
        body.append(
            " ".join(f"[{b.value.replace('_', ' ').capitalize()}]" for b in message.buttons)
        )
    if message.attachment_name:
        body.append(f"📎 {message.attachment_name}")
    return [prefix + body[0]] + [indent + line for line in body[1:]]
