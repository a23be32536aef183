"""Incidents, timeline entries and messages to JSON-ready dicts and back, for every store."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from incidents.components import ComponentImpact, ComponentStatus
from incidents.messages import (
    Audience,
    Button,
    Everyone,
    Fact,
    Mention,
    Message,
    MessageKind,
    Part,
    Text,
    Tone,
)
from incidents.model import (
    ActionItem,
    EntryKind,
    Incident,
    OnCall,
    StatusUpdate,
    TimelineEntry,
)
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity

Json = dict[str, Any]


def dump_time(moment: datetime | None) -> str | None:
    """Fixed-width UTC ISO text, so that text order is time order."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def load_time(text: str | None) -> datetime | None:
    """The inverse of `dump_time`."""
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC)  # several times faster than strptime


@functools.lru_cache(maxsize=4096)
def _person(text: str) -> Person:
    """A stored person, one shared value per text: the same few people act in thousands of
    timeline entries, and building each anew showed in `sevbot report` (see `Person.stored`)."""
    return Person.stored(text)


def _who(text: str | None) -> Person | None:
    """A stored person (None stays None)."""
    return None if text is None else _person(text)


def _people(texts: list[str]) -> tuple[Person, ...]:
    return tuple(_person(text) for text in texts)


def _need_time(text: str) -> datetime:
    moment = load_time(text)
    assert moment is not None
    return moment


def incident_state(incident: Incident) -> str:
    """Everything about an incident except its timeline (stored row by row), as JSON text."""
    state: Json = {
        "title": incident.title,
        "severity": int(incident.severity),
        "phase": incident.phase.value,
        "declared_at": dump_time(incident.declared_at),
        "declared_by": incident.declared_by,
        "origin": incident.origin,
        "platforms": list(incident.platforms),
        "private": incident.private,
        "incident_commander": incident.incident_commander,
        "communications_lead": incident.communications_lead,
        "responders": list(incident.responders),
        "oncall": None
        if incident.oncall is None
        else {
            "rotation": incident.oncall.rotation,
            "primary": incident.oncall.primary,
            "backup": incident.oncall.backup,
            "everyone": list(incident.oncall.everyone),
        },
        "acknowledged_at": dump_time(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "mitigated_at": dump_time(incident.mitigated_at),
        "resolved_at": dump_time(incident.resolved_at),
        "resolution_summary": incident.resolution_summary,
        "closed_at": dump_time(incident.closed_at),
        "review_done_at": dump_time(incident.review_done_at),
        "review_link": incident.review_link,
        "status_updates": [_dump_update(u) for u in incident.status_updates],
        "components": [[i.name, i.status.value] for i in incident.components],
        "action_items": [
            {
                "number": a.number,
                "text": a.text,
                "owner": a.owner,
                "created_at": dump_time(a.created_at),
                "created_by": a.created_by,
                "done_at": dump_time(a.done_at),
                "issue": a.issue,
                "issue_url": a.issue_url,
            }
            for a in incident.action_items
        ],
        "last_status_reminder_at": dump_time(incident.last_status_reminder_at),
        "last_external_reminder_at": dump_time(incident.last_external_reminder_at),
        "fired_timers": sorted(incident.fired_timers),
        "speakers": list(incident.speakers),
    }
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def incident_from_state(number: int, text: str, timeline: tuple[TimelineEntry, ...]) -> Incident:
    """Rebuild an incident from its JSON state and its timeline entries."""
    state: Json = json.loads(text)
    oncall = state["oncall"]
    return Incident(
        number=number,
        title=state["title"],
        severity=Severity(state["severity"]),
        phase=Phase(state["phase"]),
        declared_at=_need_time(state["declared_at"]),
        declared_by=_person(state["declared_by"]),
        origin=state["origin"],
        platforms=tuple(state.get("platforms") or ()),  # stored before [mirror]: its origin
        private=state.get("private", False),  # stored before private incidents: not private
        incident_commander=_who(state["incident_commander"]),
        communications_lead=_who(state["communications_lead"]),
        responders=_people(state["responders"]),
        oncall=None
        if oncall is None
        else OnCall(
            rotation=oncall["rotation"],
            primary=_who(oncall["primary"]),
            backup=_who(oncall["backup"]),
            everyone=_people(oncall["everyone"]),
        ),
        acknowledged_at=load_time(state["acknowledged_at"]),
        acknowledged_by=_who(state["acknowledged_by"]),
        mitigated_at=load_time(state["mitigated_at"]),
        resolved_at=load_time(state["resolved_at"]),
        resolution_summary=state["resolution_summary"],
        closed_at=load_time(state["closed_at"]),
        review_done_at=load_time(state["review_done_at"]),
        review_link=state["review_link"],
        status_updates=_load_updates(state["status_updates"]),
        components=tuple(
            ComponentImpact(str(name), ComponentStatus(status))
            for name, status in state.get("components", [])  # none before status-page components
        ),
        action_items=tuple(
            ActionItem(
                number=a["number"],
                text=a["text"],
                owner=_who(a["owner"]),
                created_at=_need_time(a["created_at"]),
                created_by=_person(a["created_by"]),
                done_at=load_time(a["done_at"]),
                issue=bool(a.get("issue", False)),  # none before issue 21
                issue_url=a.get("issue_url"),
            )
            for a in state["action_items"]
        ),
        last_status_reminder_at=load_time(state["last_status_reminder_at"]),
        last_external_reminder_at=load_time(state["last_external_reminder_at"]),
        fired_timers=frozenset(state["fired_timers"]),
        speakers=_people(state.get("speakers", [])),
        timeline=timeline,
    )


def _dump_update(update: StatusUpdate) -> Json:
    dumped: Json = {
        "at": dump_time(update.at),
        "author": update.author,
        "text": update.text,
        "external": update.external,
        "number": update.number,
    }
    if update.title is not None:
        dumped["title"] = update.title
    return dumped


def _load_updates(raw: list[Json]) -> tuple[StatusUpdate, ...]:
    """Status updates; one stored before updates were numbered gets its place among those of
    its kind, the number it would have been given (updates are only ever appended)."""
    updates: list[StatusUpdate] = []
    seen = {True: 0, False: 0}
    for u in raw:
        external = bool(u["external"])
        seen[external] += 1
        updates.append(
            StatusUpdate(
                at=_need_time(u["at"]),
                author=_person(u["author"]),
                text=u["text"],
                external=external,
                number=u.get("number") or seen[external],
                title=u.get("title"),
            )
        )
    return tuple(updates)


def entry_data(entry: TimelineEntry) -> str:
    """A timeline entry's data pairs as JSON text."""
    return json.dumps([list(pair) for pair in entry.data], ensure_ascii=False)


def entry_from_row(
    at: datetime, actor: str | None, kind: str, text: str, data: str
) -> TimelineEntry:
    """Rebuild a timeline entry from its stored columns (most have no data: `[]`)."""
    pairs = () if data == "[]" else tuple((str(k), str(v)) for k, v in json.loads(data))
    return TimelineEntry(at=at, actor=_who(actor), kind=_KINDS[kind], text=text, data=pairs)


_KINDS = {kind.value: kind for kind in EntryKind}  # a dict lookup: reports load many entries


def _dump_text(text: Text) -> list[Any]:
    out: list[Any] = []
    for part in text:
        if isinstance(part, Mention):
            out.append({"mention": part.user})
        elif isinstance(part, Everyone):
            out.append({"everyone": True})
        else:
            out.append(part)
    return out


def _load_text(raw: list[Any]) -> Text:
    parts: list[Part] = []
    for part in raw:
        if isinstance(part, dict):
            parts.append(Mention(_person(part["mention"])) if "mention" in part else Everyone())
        else:
            parts.append(str(part))
    return tuple(parts)


def message_payload(message: Message) -> str:
    """A message as JSON text for the outbox."""
    payload: Json = {
        "kind": message.kind,
        "audience": message.audience.value,
        "text": _dump_text(message.text),
        "incident": message.incident,
        "recipient": message.recipient,
        "rotation": message.rotation,
        "title": message.title,
        "facts": [[f.label, _dump_text(f.value)] for f in message.facts],
        "buttons": [b.value for b in message.buttons],
        "tone": message.tone.value,
        "pin": message.pin,
        "attachment_name": message.attachment_name,
        "attachment": message.attachment,
    }
    if message.alert is not None:
        payload["alert"] = message.alert
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def message_from_payload(text: str) -> Message:
    """The inverse of `message_payload`.

    A kind (or audience, tone, button) this version does not know raises ValueError: only
    sevbot writes the outbox, so it means a newer version wrote the row or the row is damaged,
    and posting it as some other kind would be wrong. The dispatcher's claim fails loudly.
    """
    raw: Json = json.loads(text)
    return Message(
        kind=MessageKind(raw["kind"]),
        audience=Audience(raw["audience"]),
        text=_load_text(raw["text"]),
        incident=raw["incident"],
        recipient=_who(raw["recipient"]),
        rotation=raw.get("rotation"),
        title=raw["title"],
        facts=tuple(Fact(label, _load_text(value)) for label, value in raw["facts"]),
        buttons=tuple(Button(b) for b in raw["buttons"]),
        tone=Tone(raw["tone"]),
        pin=raw["pin"],
        attachment_name=raw["attachment_name"],
        attachment=raw["attachment"],
        alert=raw.get("alert"),
    )
