"""What a public issue tracker is told of an incident: only what the status page shows, under
the public title; and which action items want an issue."""

from __future__ import annotations

from dataclasses import replace

from incidents import commands as c
from incidents.messages import MessageKind
from incidents.model import Role
from incidents.public_posts import (
    action_subject,
    issue_subject,
    parse_action_subject,
    public_posts,
    wanted_issues,
)
from incidents.severity import Severity
from tests.unit.helpers import POLICY, T0, act, hours, minutes, opened


def test_only_external_updates_and_the_resolution_are_posted_under_the_public_title() -> None:
    """An internal update posts nothing; an external one posts its text under the published
    title with its status; the resolution posts a `resolved` post; never the internal title."""
    incident = act(opened(), c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam"), at=T0)
    internal = act(incident, c.PostStatusUpdate(text="db-3 is on fire"), at=T0 + minutes(5))
    assert public_posts(incident, internal, POLICY) == ()
    external = act(
        internal,
        c.PostStatusUpdate(text="Payments fail", external=True, title="Checkout errors"),
        at=T0 + minutes(10),
    )
    (post,) = public_posts(internal, external, POLICY)
    assert (post.kind, post.title, post.plain_text()) == (
        MessageKind.EXTERNAL_UPDATE,
        "Checkout errors",
        "Payments fail",
    )
    assert post.facts[0].value == ("Investigating",)
    resolved = act(external, c.Resolve(summary="Rolled back"), at=T0 + hours(1))
    (closing,) = public_posts(external, resolved, POLICY)
    assert closing.kind is MessageKind.RESOLVED
    assert "Rolled back" not in closing.plain_text()
    assert incident.title not in post.plain_text() + closing.plain_text()


def test_an_incident_that_is_not_public_posts_nothing() -> None:
    """A SEV-3 (not shown by default) and a private SEV-1 post nothing."""
    for incident in (opened(Severity.SEV3), replace(opened(), private=True)):
        lead = act(incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user="console:sam"), at=T0)
        update = c.PostStatusUpdate(text="We are on it", external=True)
        assert public_posts(lead, act(lead, update, at=T0 + minutes(1)), POLICY) == ()


def test_items_want_an_issue_by_flag_or_by_severity() -> None:
    """`--issue` asks for one; `every` severities ask for each item; subjects read back."""
    incident = opened(Severity.SEV2)
    one = act(incident, c.AddActionItem(text="Shard the index", issue=True), at=T0)
    two = act(one, c.AddActionItem(text="Write the runbook"), at=T0)
    assert [i.text for i in wanted_issues(incident, two, frozenset())] == ["Shard the index"]
    assert len(wanted_issues(incident, two, {Severity.SEV2})) == 2
    assert parse_action_subject(action_subject(42, 3)) == (42, 3)
    assert parse_action_subject(issue_subject(42)) is None
    assert parse_action_subject("action:x:1") is None
