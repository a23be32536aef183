"""Alert groups, storm-guard states, heartbeats (migration 0010) and digest items (0013) to
JSON text and back."""

from __future__ import annotations

import json
from typing import Any

from adapters.stores.codec import dump_time, load_time
from incidents.alerts.github import Cadence, DigestItem
from incidents.alerts.heartbeat import HeartbeatState
from incidents.alerts.model import Alert, AlertGroup, AlertStatus, Pairs
from incidents.alerts.storm import StormState
from incidents.people import Person

Json = dict[str, Any]


def _dump(state: Json) -> str:
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def _pairs(raw: Any) -> Pairs:
    return tuple((str(k), str(v)) for k, v in raw or ())


def _alert(alert: Alert) -> Json:
    fields: Json = {
        "fingerprint": alert.fingerprint,
        "status": alert.status.value,
        "labels": [list(p) for p in alert.labels],
        "annotations": [list(p) for p in alert.annotations],
        "starts_at": dump_time(alert.starts_at),
        "ends_at": dump_time(alert.ends_at),
    }
    for name in ("generator_url", "dashboard_url", "panel_url", "silence_url"):
        if getattr(alert, name):
            fields[name] = getattr(alert, name)
    if alert.values:
        fields["values"] = [list(p) for p in alert.values]
    return fields


def _load_alert(raw: Json) -> Alert:
    return Alert(
        fingerprint=str(raw["fingerprint"]),
        status=AlertStatus(raw["status"]),
        labels=_pairs(raw.get("labels")),
        annotations=_pairs(raw.get("annotations")),
        starts_at=load_time(raw.get("starts_at")),
        ends_at=load_time(raw.get("ends_at")),
        generator_url=str(raw.get("generator_url", "")),
        dashboard_url=str(raw.get("dashboard_url", "")),
        panel_url=str(raw.get("panel_url", "")),
        silence_url=str(raw.get("silence_url", "")),
        values=_pairs(raw.get("values")),
    )


def group_state(group: AlertGroup) -> str:
    """Everything about a group but its id, source and key (columns of their own)."""
    return _dump(
        {
            "alerts": [_alert(a) for a in group.alerts],
            "group_labels": [list(p) for p in group.group_labels],
            "common_labels": [list(p) for p in group.common_labels],
            "common_annotations": [list(p) for p in group.common_annotations],
            "external_url": group.external_url,
            "title": group.title,
            "message": group.message,
            "first_seen": dump_time(group.first_seen),
            "incident": group.incident,
            "earlier": list(group.earlier),
            "card_at": dump_time(group.card_at),
            "acknowledged_by": group.acknowledged_by,
            "silence_id": group.silence_id,
            "silenced_for": group.silenced_for,
            "silenced_until": dump_time(group.silenced_until),
        }
    )


def group_from_row(group_id: int, source: str, key: str, text: str) -> AlertGroup:
    """The inverse of `group_state`, with the row's columns."""
    raw: Json = json.loads(text)
    acknowledged = raw.get("acknowledged_by")
    return AlertGroup(
        id=group_id,
        source=source,
        key=key,
        alerts=tuple(_load_alert(a) for a in raw.get("alerts", ())),
        group_labels=_pairs(raw.get("group_labels")),
        common_labels=_pairs(raw.get("common_labels")),
        common_annotations=_pairs(raw.get("common_annotations")),
        external_url=str(raw.get("external_url", "")),
        title=str(raw.get("title", "")),
        message=str(raw.get("message", "")),
        first_seen=load_time(raw.get("first_seen")),
        incident=raw.get("incident"),
        earlier=tuple(int(n) for n in raw.get("earlier", ())),
        card_at=load_time(raw.get("card_at")),
        acknowledged_by=Person.stored(acknowledged) if acknowledged else None,
        silence_id=raw.get("silence_id"),
        silenced_for=raw.get("silenced_for"),
        silenced_until=load_time(raw.get("silenced_until")),
    )


def storm_state(state: StormState) -> str:
    """A source's storm-guard state as JSON text."""
    return _dump(
        {
            "openings": [dump_time(at) for at in state.openings],
            "incident": state.incident,
            "joined": state.joined,
        }
    )


def storm_from_row(source: str, text: str) -> StormState:
    """The inverse of `storm_state`."""
    raw: Json = json.loads(text)
    openings = tuple(t for t in (load_time(at) for at in raw.get("openings", ())) if t)
    return StormState(
        source=source,
        openings=openings,
        incident=raw.get("incident"),
        joined=int(raw.get("joined", 0)),
    )


def heartbeat_state(state: HeartbeatState) -> str:
    """A heartbeat's state as JSON text."""
    return _dump(
        {
            "watched_since": dump_time(state.watched_since),
            "last_ping_at": dump_time(state.last_ping_at),
            "silent_since": dump_time(state.silent_since),
        }
    )


def heartbeat_from_row(name: str, text: str) -> HeartbeatState:
    """The inverse of `heartbeat_state`."""
    raw: Json = json.loads(text)
    watched = load_time(raw["watched_since"])
    assert watched is not None
    return HeartbeatState(
        name=name,
        watched_since=watched,
        last_ping_at=load_time(raw.get("last_ping_at")),
        silent_since=load_time(raw.get("silent_since")),
    )


def digest_item(item: DigestItem) -> str:
    """A finding waiting for its digest as JSON text (source, cadence and key are columns)."""
    return _dump(
        {
            "level": item.level,
            "title": item.title,
            "url": item.url,
            "received_at": dump_time(item.received_at),
        }
    )


def digest_item_from_row(
    item_id: int, source: str, cadence: str, key: str, text: str
) -> DigestItem:
    """The inverse of `digest_item`."""
    raw: Json = json.loads(text)
    received = load_time(raw.get("received_at"))
    assert received is not None
    return DigestItem(
        id=item_id,
        source=source,
        cadence=Cadence(cadence),
        key=key,
        level=str(raw.get("level", "")),
        title=str(raw.get("title", "")),
        url=str(raw.get("url", "")),
        received_at=received,
    )
