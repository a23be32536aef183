"""A Slack command as the inbox keeps it: enough to run it again after a restart.

Written before the acknowledgement (see `bot/inbox.py`), so it is small: the slash command's
text, or the submitted form's values, or the clicked button, with who asked, where, and the
response_url for the answer. Running one is the same for a live command and a replayed one:
`request_of` reads the request from it again (pure, microseconds, after the acknowledgement).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack import parse as p
from incidents import commands as c
from incidents.messages import Button

INCIDENT, ONCALL, FORM, ACKNOWLEDGE = "incident", "oncall", "form", "acknowledge"
ALERT = "alert"  # a button of an alert card: `text` is the button, `alert` the group
_KINDS = frozenset({INCIDENT, ONCALL, FORM, ACKNOWLEDGE, ALERT})
_VIEW_FIELDS = ("id", "hash", "callback_id", "private_metadata", "state")


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """`/incident …` or `/oncall …` (text), a submitted form (view), an Acknowledge click."""

    key: str | None  # the request key; None: nothing to keep it by (not written down)
    kind: str
    user_id: str
    channel_id: str | None
    response_url: str | None
    text: str = ""
    view: Mapping[str, Any] | None = None
    incident: int | None = None
    alert: int | None = None

    def dump(self) -> str:
        """The JSON the inbox keeps (the key is the inbox entry's own)."""
        fields: dict[str, Any] = {
            "kind": self.kind,
            "user": self.user_id,
            "channel": self.channel_id,
            "response_url": self.response_url,
        }
        if self.kind in (INCIDENT, ONCALL, ALERT):
            fields["text"] = self.text
        if self.view is not None:
            fields["view"] = {k: self.view[k] for k in _VIEW_FIELDS if k in self.view}
        if self.incident is not None:
            fields["incident"] = self.incident
        if self.alert is not None:
            fields["alert"] = self.alert
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, key: str, command: str) -> Recorded | None:
        """From the inbox's JSON; None for anything this version cannot read."""
        try:
            fields = json.loads(command)
        except ValueError:
            return None
        if not isinstance(fields, dict) or fields.get("kind") not in _KINDS:
            return None
        view, incident, alert = fields.get("view"), fields.get("incident"), fields.get("alert")
        return cls(
            key=key,
            kind=str(fields["kind"]),
            user_id=str(fields.get("user") or ""),
            channel_id=_text_or_none(fields.get("channel")),
            response_url=_text_or_none(fields.get("response_url")),
            text=str(fields.get("text") or ""),
            view=view if isinstance(view, dict) else None,
            incident=incident if isinstance(incident, int) else None,
            alert=alert if isinstance(alert, int) else None,
        )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def request_of(recorded: Recorded) -> tuple[c.Request, int | None] | None:
    """The request an `/incident` command, form or click asks for, and its incident; None when
    it asks for nothing the command bus runs (only such commands are recorded)."""
    if recorded.kind == INCIDENT:
        plan = p.plan_incident_command(recorded.text)
        return (plan.request, plan.incident) if isinstance(plan, p.Dispatch) else None
    if recorded.kind == FORM and recorded.view is not None:
        submission = p.modal_submission(recorded.view)
        return None if submission is None else (submission.request, submission.context.incident)
    if recorded.kind == ACKNOWLEDGE and recorded.incident is not None:
        return c.Acknowledge(), recorded.incident
    if recorded.kind == ALERT and recorded.alert is not None:
        if recorded.text == Button.ACKNOWLEDGE_ALERT.value:
            return c.AcknowledgeAlert(alert=recorded.alert), None
        if recorded.text == Button.DECLARE_INCIDENT.value:
            return c.DeclareAlertIncident(alert=recorded.alert), None
    return None
