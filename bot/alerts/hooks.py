"""`POST /hooks/alertmanager`, `/hooks/events`, `/hooks/github` and `/hooks/heartbeat/<name>`.

Every hook authenticates with `Authorization: Bearer <token>` (what Alertmanager's
`http_config.authorization` sends; the Events API shape may also carry it as `routing_key`):
a wrong token is 401 and does nothing. A malformed body is 400 with the reason, a body over
1 MiB is 413 (`bot/web/connections.py` reads it), and a body the store could not take is 503,
which Alertmanager retries (notify/util.go `Retrier.Check`: 5xx is retried, 4xx is not).

`/hooks/github` authenticates as GitHub signs ("Validating webhook deliveries",
https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries):
`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`,
compared in constant time with every GitHub source's; `X-GitHub-Event` names the event and
`X-GitHub-Delivery` the delivery (a redelivery keeps it, and is applied once). The body is
JSON (content type `application/json`), or the `payload` field of a form
(`application/x-www-form-urlencoded`); the signature covers the body as sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.alerts.github_payloads import EVENTS as GITHUB_EVENTS
from bot.alerts.github_payloads import ISSUES_EVENT, github_finding
from bot.alerts.heartbeats import Heartbeats
from bot.alerts.intake import AlertIntake
from bot.alerts.payloads import BadPayload, alertmanager_notification, events_event
from incidents.alerts.github import GitHubRules

KINDS = ("alertmanager", "events", "github")
MAX_DELIVERY_ID = 100  # GitHub's are GUIDs; anything longer is not GitHub's


@dataclass(frozen=True, slots=True, kw_only=True)
class HookSource:
    """A configured source as the hooks see it: its name, kind, token and severity label."""

    name: str
    kind: str
    token: str  # a GitHub source's webhook secret
    severity_label: str = "severity"
    github: GitHubRules | None = None  # a GitHub source's rules (branches)


def _bearer(request: web.Request) -> bytes:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return b""
    return header.removeprefix("Bearer ").strip().encode("utf-8", "surrogateescape")


def _matching(given: bytes, sources: list[HookSource]) -> HookSource | None:
    """The source whose token is `given`, compared in constant time against every one."""
    found = None
    for source in sources:
        if given and hmac.compare_digest(given, source.token.encode()):
            found = source
    return found


def _signed_by(raw: bytes, header: str, sources: list[HookSource]) -> HookSource | None:
    """The GitHub source whose secret signed `raw` (`sha256=<hex>`), checked in constant time
    against every one; None for a missing, malformed or wrong signature."""
    given = header.strip().encode("ascii", "replace")
    found = None
    if not given.startswith(b"sha256="):
        return None
    for source in sources:
        digest = hmac.new(source.token.encode(), raw, hashlib.sha256).hexdigest()
        if hmac.compare_digest(given, b"sha256=" + digest.encode()):
            found = source
    return found


def _github_body(raw: bytes, content_type: str) -> Any:
    """The delivery's JSON: the body, or a form's `payload` field; BadPayload if neither."""
    try:
        text = raw.decode("utf-8")
        if content_type == "application/x-www-form-urlencoded":
            text = urllib.parse.parse_qs(text, strict_parsing=True)["payload"][0]
        return json.loads(text)
    except (ValueError, KeyError):
        raise BadPayload(
            "the body is not JSON; set the webhook's content type to application/json"
        ) from None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _invalid_event(status: int, message: str, errors: list[str] | None = None) -> web.Response:
    """The Events API's error shape: `{"status": …, "message": …, "errors": […]}`."""
    body: dict[str, Any] = {"status": "invalid event", "message": message}
    if errors is not None:
        body["errors"] = errors
    return web.json_response(body, status=status)


async def _json(request: web.Request) -> tuple[Any, str]:
    """The body as JSON, and as the text it came as; BadPayload saying why not."""
    try:
        text = (await request.read()).decode("utf-8")
        return json.loads(text), text
    except ValueError:  # not UTF-8 (UnicodeDecodeError is one), or not JSON
        raise BadPayload("the body is not UTF-8 JSON") from None


class AlertHooks:
    """The three hooks, over the intake (alerts) and the heartbeats."""

    def __init__(
        self,
        *,
        sources: Mapping[str, HookSource],
        intake: AlertIntake,
        heartbeats: Heartbeats,
        heartbeat_tokens: Mapping[str, str],
    ) -> None:
        self._by_kind = {kind: [s for s in sources.values() if s.kind == kind] for kind in KINDS}
        self._intake = intake
        self._heartbeats = heartbeats
        self._heartbeat_tokens = dict(heartbeat_tokens)

    def mount(self, web_app: web.Application) -> None:
        """Add the hooks' routes."""
        web_app.router.add_post("/hooks/alertmanager", self.alertmanager)
        web_app.router.add_post("/hooks/events", self.events)
        web_app.router.add_post("/hooks/github", self.github)
        web_app.router.add_post("/hooks/heartbeat/{name}", self.heartbeat)

    async def alertmanager(self, request: web.Request) -> web.Response:
        """An Alertmanager (or Grafana) webhook: recorded, then 200."""
        sources = self._by_kind["alertmanager"]
        if not sources:
            return _error(404, 'No [[alert_source]] with kind = "alertmanager" is configured.')
        source = _matching(_bearer(request), sources)
        if source is None:
            return _error(
                401, "Send `Authorization: Bearer <token>` with the alert source's token."
            )
        try:
            body, raw = await _json(request)
            notification = alertmanager_notification(body, source.name)
        except BadPayload as error:
            return _error(400, f"Not an Alertmanager webhook body: {error}.")
        if not await self._intake.record(
            source.name, "alertmanager", body, severity_label=source.severity_label, raw=raw
        ):
            return _error(503, "sevbot cannot store alerts right now; send it again.")
        return web.json_response(
            {"ok": True, "source": source.name, "alerts": len(notification.alerts)}
        )

    async def events(self, request: web.Request) -> web.Response:
        """An Events API v2 event: recorded, then 202 as that API answers."""
        sources = self._by_kind["events"]
        if not sources:
            return _invalid_event(404, 'No [[alert_source]] with kind = "events" is configured.')
        try:
            body, raw = await _json(request)
        except BadPayload as error:
            return _invalid_event(400, "Event object is invalid", [str(error)])
        given = _bearer(request)
        if not given and isinstance(body, dict) and isinstance(body.get("routing_key"), str):
            given = body["routing_key"].encode("utf-8", "surrogateescape")
        source = _matching(given, sources)
        if source is None:
            return _invalid_event(
                401, "Send `Authorization: Bearer <token>` (or `routing_key`) with the token."
            )
        try:
            event = events_event(body, source.name, severity_label=source.severity_label)
        except BadPayload as error:
            return _invalid_event(400, "Event object is invalid", [str(error)])
        if not await self._intake.record(
            source.name, "events", body, severity_label=source.severity_label, raw=raw
        ):
            return _invalid_event(503, "sevbot cannot store events right now; send it again.")
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": event.dedup_key},
            status=202,
        )

    async def github(self, request: web.Request) -> web.Response:
        """A GitHub webhook delivery: verified, recorded once per delivery id, then 200."""
        sources = self._by_kind["github"]
        if not sources:
            return _error(404, 'No [[alert_source]] with kind = "github" is configured.')
        raw = await request.read()
        source = _signed_by(raw, request.headers.get("X-Hub-Signature-256", ""), sources)
        if source is None or source.github is None:
            return _error(
                401,
                "Send `X-Hub-Signature-256: sha256=…` signed with the webhook's secret "
                "(the Secret of the repository's webhook).",
            )
        event = request.headers.get("X-GitHub-Event", "")
        if event == "ping":
            return web.json_response({"ok": True, "source": source.name, "event": "ping"})
        if event not in GITHUB_EVENTS and event != ISSUES_EVENT:
            return web.json_response({"ok": True, "source": source.name, "ignored": event})
        delivery = request.headers.get("X-GitHub-Delivery", "").strip()
        if not delivery or len(delivery) > MAX_DELIVERY_ID:
            return _error(400, "Send `X-GitHub-Delivery` with the delivery's id.")
        try:
            body = _github_body(raw, request.content_type)
            finding = github_finding(event, body, rules=source.github)
        except BadPayload as error:
            return _error(400, f"Not a GitHub {event} delivery: {error}.")
        recorded = await self._intake.record(
            source.name, "github", body, severity_label="severity", delivery=delivery, event=event
        )
        if not recorded:
            return _error(503, "sevbot cannot store deliveries right now; redeliver it.")
        return web.json_response(
            {
                "ok": True,
                "source": source.name,
                "delivery": delivery,
                "acted": finding is not None,
            }
        )

    async def heartbeat(self, request: web.Request) -> web.Response:
        """A ping: the heartbeat is alive until `expect_every + grace` from now."""
        name = request.match_info["name"]
        token = self._heartbeat_tokens.get(name)
        given = _bearer(request)
        if token is None or not given or not hmac.compare_digest(given, token.encode()):
            if token is None and not self._heartbeat_tokens:
                return _error(404, "No [[heartbeat]] is configured.")
            return _error(401, "Send `Authorization: Bearer <token>` with the heartbeat's token.")
        due = await self._heartbeats.ping(name)
        if due is None:
            return _error(503, "sevbot cannot store the ping right now; send it again.")
        return web.json_response({"ok": True, "heartbeat": name, "silent_after": due.isoformat()})
