"""One example of each command, for the errors: a refusal suggests the command that failed.

Every error that shows how a command is typed takes its example from here, so `/incident sev
sev7` suggests `/incident sev sev2` and `ack` outside an incident suggests `/incident ack 42`,
never some other verb's example (tests/unit/test_examples.py checks each verb).
"""

from __future__ import annotations

from incidents import commands as c
from incidents.model import Role

EXAMPLES: dict[str, str] = {
    "open": "open sev1 Checkout is failing",
    "ack": "ack",
    "status": "status Rolled back the deploy; error rate falling",
    "status --external": "status --external We are investigating",
    "component": "component Checkout degraded",
    "sev": "sev sev2",
    "phase": "phase mitigation",
    "ic": "ic @sam",
    "role": "role comms @li",
    "note": "note Paused the nightly batch",
    "action": "action Add an alert on 502s @sam",
    "action done": "action done 2",
    "mitigated": "mitigated Failed over to the standby database",
    "resolve": "resolve Rolled back deploy 8812",
    "close": "close",
    "review": "review",
    "review done": "review done https://wiki.example.com/pir-42",
    "review done none": "review done none Duplicate of #41, reviewed there",
    "timeline": "timeline",
    "maintenance": "maintenance 2026-12-05T02:00Z 2026-12-05T04:00Z Database upgrade",
}
"""The command language's example of each verb (and of its forms), after `/incident `."""

_REQUEST_VERBS: dict[type[c.Request], str] = {
    c.OpenIncident: "open",
    c.Acknowledge: "ack",
    c.PostStatusUpdate: "status",
    c.SetComponentStatus: "component",
    c.ScheduleMaintenance: "maintenance",
    c.ChangeSeverity: "sev",
    c.ChangePhase: "phase",
    c.AssignRole: "role",
    c.AddNote: "note",
    c.AddActionItem: "action",
    c.CompleteActionItem: "action done",
    c.MarkMitigated: "mitigated",
    c.Resolve: "resolve",
    c.Close: "close",
    c.ShowReview: "review",
    c.MarkReviewDone: "review done",
    c.ShowTimeline: "timeline",
}


def example(verb: str, number: int | None = None) -> str:
    """`/incident sev sev2`; with `number`, as typed outside the incident's channel:
    `/incident sev 42 sev2`."""
    text = EXAMPLES[verb]
    if number is not None:
        head, _, rest = text.partition(" ")
        text = f"{head} {number} {rest}".rstrip()
    return f"/incident {text}"


def example_of(request: c.Request, number: int | None = None) -> str:
    """The example of the verb that asked for `request` (a status update for what has none)."""
    if isinstance(request, c.AssignRole) and request.role is Role.INCIDENT_COMMANDER:
        return example("ic", number)
    if isinstance(request, c.PostStatusUpdate) and request.external:
        return example("status --external", number)
    return example(_REQUEST_VERBS.get(type(request), "status"), number)
