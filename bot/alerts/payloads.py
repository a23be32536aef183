"""Alert payloads → notifications: the Alertmanager webhook (version 4), Grafana's webhook
contact point (the same shape with extra fields) and the PagerDuty Events API v2 shape.

Pure functions of the parsed JSON; a body that is not what the sender's documentation says
raises `BadPayload` with the reason, which the hook answers with 400.

* Alertmanager: notify/webhook/webhook.go (`Message`: `version`, `groupKey`,
  `truncatedAlerts`) and template/template.go (`Data`, `Alert`) in prometheus/alertmanager;
  https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
* Grafana: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
  (`title`, `message`, per alert `dashboardURL`, `panelURL`, `silenceURL`, `values`)
* Events API v2: PagerDuty/api-schema reference/events-v2/openapiv3.json (`event_action`
  trigger / acknowledge / resolve, `dedup_key` up to 255 characters, `payload.summary`,
  `payload.source`, `payload.severity` critical / error / warning / info, `custom_details`,
  `links`, `client_url`); answered `202 {"status": "success", "message": "Event processed",
  "dedup_key": …}`, or `400 {"status": "invalid event", "message": …, "errors": […]}`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from incidents.alerts.model import Alert, AlertStatus, Notification, Pairs, pairs

ZERO_TIME_YEAR = 1  # Go's zero time, `0001-01-01T00:00:00Z`: an alert still firing has no end
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
EVENT_SEVERITIES = ("critical", "error", "warning", "info")


class BadPayload(ValueError):
    """A body that is not the shape its sender documents; the message says what is wrong."""


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadPayload(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"{where} must be a string")
    return value


def _strings(value: Any, where: str) -> Pairs:
    """A JSON object of strings (labels, annotations) as pairs."""
    if value is None:
        return ()
    mapping = _object(value, where)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise BadPayload(f"{where}.{key} must be a string")
    return pairs(mapping)


def _time(value: Any, where: str) -> datetime | None:
    """An RFC 3339 time (Go writes nanoseconds; microseconds are kept); Go's zero time: None."""
    text = _text(value, where)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadPayload(f"{where} is not an RFC 3339 time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        raise BadPayload(f"{where} has no time zone: {text[:40]!r}")
    if moment.year == ZERO_TIME_YEAR:
        return None
    return moment.astimezone(UTC)


def _fingerprint(labels: Pairs) -> str:
    """Alertmanager's fingerprint is a hash of the labels; a sender that leaves it out gets
    one made the same way (a stable hash of the sorted labels)."""
    return hashlib.sha256(json.dumps(labels).encode()).hexdigest()[:16]


def _values(value: Any, where: str) -> Pairs:
    if value is None:
        return ()
    return pairs(_object(value, where))


def _alert(raw: Any, where: str) -> Alert:
    fields = _object(raw, where)
    status = _text(fields.get("status"), f"{where}.status", required=True)
    if status not in ("firing", "resolved"):
        raise BadPayload(f'{where}.status must be "firing" or "resolved", not {status[:20]!r}')
    labels = _strings(fields.get("labels"), f"{where}.labels")
    fingerprint = _text(fields.get("fingerprint"), f"{where}.fingerprint")
    return Alert(
        fingerprint=fingerprint or _fingerprint(labels),
        status=AlertStatus(status),
        labels=labels,
        annotations=_strings(fields.get("annotations"), f"{where}.annotations"),
        starts_at=_time(fields.get("startsAt"), f"{where}.startsAt"),
        ends_at=_time(fields.get("endsAt"), f"{where}.endsAt"),
        generator_url=_text(fields.get("generatorURL"), f"{where}.generatorURL"),
        dashboard_url=_text(fields.get("dashboardURL"), f"{where}.dashboardURL"),
        panel_url=_text(fields.get("panelURL"), f"{where}.panelURL"),
        silence_url=_text(fields.get("silenceURL"), f"{where}.silenceURL"),
        values=_values(fields.get("values"), f"{where}.values"),
    )


def alertmanager_notification(body: Any, source: str) -> Notification:
    """An Alertmanager (or Grafana) webhook body as a notification; BadPayload if it is not."""
    fields = _object(body, "the body")
    group_key = _text(fields.get("groupKey"), "groupKey")
    if not group_key.strip():
        raise BadPayload(
            "groupKey is missing: send Alertmanager's webhook body (version 4) or Grafana's"
        )
    raw_alerts = fields.get("alerts")
    if not isinstance(raw_alerts, list):
        raise BadPayload("alerts must be a JSON array of alerts")
    alerts = tuple(_alert(raw, f"alerts[{index}]") for index, raw in enumerate(raw_alerts))
    return Notification(
        source=source,
        group_key=group_key,
        alerts=alerts,
        group_labels=_strings(fields.get("groupLabels"), "groupLabels"),
        common_labels=_strings(fields.get("commonLabels"), "commonLabels"),
        common_annotations=_strings(fields.get("commonAnnotations"), "commonAnnotations"),
        external_url=_text(fields.get("externalURL"), "externalURL"),
        title=_text(fields.get("title"), "title"),
        message=_text(fields.get("message"), "message"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An Events API v2 event: its action, its key (made from the payload when a trigger has
    none) and the notification it stands for."""

    action: str
    dedup_key: str
    notification: Notification


def _links(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, list):
        raise BadPayload("links must be a JSON array of {href, text}")
    shown = []
    for index, link in enumerate(raw):
        fields = _object(link, f"links[{index}]")
        href = _text(fields.get("href"), f"links[{index}].href", required=True)
        text = _text(fields.get("text"), f"links[{index}].text")
        shown.append(f"{text}: {href}" if text else href)
    return " · ".join(shown)


def _details(raw: Any) -> str:
    """`custom_details` (any JSON) as one line of `key: value`."""
    if raw is None:
        return ""
    if isinstance(raw, Mapping):
        return "; ".join(
            f"{key}: {value if isinstance(value, str) else json.dumps(value)}"
            for key, value in raw.items()
        )
    return raw if isinstance(raw, str) else json.dumps(raw)


def _trigger(fields: Mapping[str, Any], severity_label: str) -> tuple[Alert, str]:
    payload = _object(fields.get("payload"), "payload")
    summary = _text(payload.get("summary"), "payload.summary", required=True)
    if not summary.strip() or len(summary) > MAX_SUMMARY:
        raise BadPayload(f"payload.summary must be 1 to {MAX_SUMMARY} characters")
    source = _text(payload.get("source"), "payload.source", required=True)
    severity = _text(payload.get("severity"), "payload.severity", required=True)
    if severity not in EVENT_SEVERITIES:
        raise BadPayload(
            f"payload.severity must be one of {', '.join(EVENT_SEVERITIES)}, not {severity[:20]!r}"
        )
    labels = {severity_label: severity, "source": source}
    for name in ("component", "group", "class"):
        value = _text(payload.get(name), f"payload.{name}")
        if value:
            labels[name] = value
    annotations = {"summary": summary}
    details = _details(payload.get("custom_details"))
    if details:
        annotations["description"] = details
    links = _links(fields.get("links"))
    if links:
        annotations["links"] = links
    key = _text(fields.get("dedup_key"), "dedup_key")
    if not key:  # PagerDuty makes one up; this one is stable, so a retried trigger is one
        identity = json.dumps([summary, source, severity, sorted(labels.items())])
        key = hashlib.sha256(identity.encode()).hexdigest()[:32]
    alert = Alert(
        fingerprint=key,
        status=AlertStatus.FIRING,
        labels=pairs(labels),
        annotations=pairs(annotations),
        starts_at=_time(payload.get("timestamp"), "payload.timestamp"),
        generator_url=_text(fields.get("client_url"), "client_url"),
    )
    return alert, key


def events_event(body: Any, source: str, *, severity_label: str = "severity") -> Event:
    """An Events API v2 body as an event; BadPayload if it is not one."""
    fields = _object(body, "the body")
    action = _text(fields.get("event_action"), "event_action", required=True)
    if action not in EVENT_ACTIONS:
        raise BadPayload(
            f"event_action must be one of {', '.join(EVENT_ACTIONS)}, not {action[:20]!r}"
        )
    key = _text(fields.get("dedup_key"), "dedup_key")
    if len(key) > MAX_DEDUP_KEY:
        raise BadPayload(f"dedup_key is longer than {MAX_DEDUP_KEY} characters")
    if action == "trigger":
        alert, key = _trigger(fields, severity_label)
        notification = Notification(
            source=source, group_key=key, alerts=(alert,), group_labels=(("dedup_key", key),)
        )
    elif not key:
        raise BadPayload(f"dedup_key is required to {action}")
    elif action == "resolve":
        gone = Alert(fingerprint=key, status=AlertStatus.RESOLVED)
        notification = Notification(source=source, group_key=key, alerts=(gone,))
    else:
        notification = Notification(source=source, group_key=key, acknowledge=True)
    return Event(action=action, dedup_key=key, notification=notification)
