"""Command handlers: what each command changes, records, posts and refuses."""

from __future__ import annotations

from datetime import datetime

import pytest

from incidents import commands as c
from incidents import events as e
from incidents.decision import Decision
from incidents.errors import InvalidCommand, NotAllowedInPhase
from incidents.handlers import MAX_TITLE, execute
from incidents.messages import Audience, Button, Everyone, Mention, Message
from incidents.model import EntryKind, Incident, Role
from incidents.phase import Phase
from incidents.severity import Severity

from .helpers import (
    ANA,
    LI,
    MARIA,
    ONCALL,
    POLICY,
    SAM,
    T0,
    act,
    declare,
    hours,
    minutes,
    opened,
    resolved,
)


def run(incident: Incident, command: c.Command, at: datetime, actor: str = SAM) -> Decision:
    """Execute with the default policy."""
    return execute(incident, command, actor=actor, now=at, policy=POLICY)


def by_kind(decision: Decision, kind: str) -> Message:
    """The one message of `kind` in the decision."""
    (message,) = [m for m in decision.messages if m.kind == kind]
    return message


def mentions(messages: tuple[Message, ...]) -> set[str]:
    """Every user the messages mean to ping, in text and facts."""
    users = set()
    for message in messages:
        parts = list(message.text)
        for fact in message.facts:
            parts.extend(fact.value)
        users |= {p.user for p in parts if isinstance(p, Mention)}
    return users


# Opening


def test_open_posts_a_pinned_summary_with_buttons() -> None:
    """Declaring posts a pinned summary in the incident channel with every action button."""
    summary = by_kind(declare(), "summary")
    assert summary.audience is Audience.INCIDENT
    assert summary.pin
    assert summary.buttons == (
        Button.ACKNOWLEDGE,
        Button.POST_UPDATE,
        Button.CHANGE_SEVERITY,
        Button.RESOLVE,
    )
    assert summary.title == "🔴 SEV-1 · Checkout is failing"
    text = summary.plain_text()
    assert "Phase: detection (ends 14:15, in 15 min) · IC: unassigned" in text
    assert "Response target: acknowledged by 15:00 (1 h)." in text
    assert "No on-call rotation is configured" in text


def test_open_summary_shows_the_escalation_plan() -> None:
    """With a rotation the summary says who is paged and when escalation happens."""
    summary = by_kind(declare(oncall=ONCALL), "summary")
    assert "Paging @sam (primary). Escalates to @li at 14:15, everyone at 14:30." in (
        summary.plain_text()
    )


def test_open_announces_in_the_incidents_channel() -> None:
    """The announcement names the incident, who declared it and that nobody leads yet."""
    announcement = by_kind(declare(), "announcement")
    assert announcement.audience is Audience.ANNOUNCE
    assert announcement.title == "🔴 SEV-1 #42 Checkout is failing"
    assert announcement.plain_text() == "declared by @maria · IC: unassigned"
    assert Mention(MARIA) in announcement.text


def test_open_pages_the_primary_when_oncall_given() -> None:
    """With an on-call snapshot the primary gets a direct page and the timeline records it."""
    decision = declare(oncall=ONCALL)
    page = by_kind(decision, "page")
    assert page.audience is Audience.DIRECT
    assert page.recipient == SAM
    assert "`/incident ack 42`" in page.plain_text()
    assert "on call: @sam (primary), @li (backup)" in by_kind(decision, "announcement").plain_text()
    paged = decision.incident.timeline[-1]
    assert paged.kind is EntryKind.PAGED
    assert paged.get("user") == SAM
    assert paged.actor is None


def test_open_without_oncall_pages_nobody() -> None:
    """Without a rotation there is no page message."""
    assert not [m for m in declare().messages if m.kind == "page"]


def test_open_replies_with_the_channel_name() -> None:
    """The ephemeral reply says the number and the channel being created."""
    reply = declare().reply
    assert reply is not None
    assert reply.audience is Audience.REPLY
    assert reply.plain_text() == "Opening incident #42… its channel is being created."


def test_open_records_declaration_and_event() -> None:
    """The new incident starts in detection with a DECLARED entry and an IncidentOpened event."""
    decision = declare(Severity.SEV2)
    incident = decision.incident
    assert incident.phase is Phase.DETECTION
    assert incident.declared_at == T0
    assert incident.declared_by == MARIA
    first = incident.timeline[0]
    assert (first.kind, first.at, first.actor) == (EntryKind.DECLARED, T0, MARIA)
    assert decision.events == (
        e.IncidentOpened(number=42, at=T0, severity=Severity.SEV2, title="Checkout is failing"),
    )


def test_title_whitespace_is_collapsed() -> None:
    """Runs of spaces, tabs and newlines in a title become single spaces."""
    incident = declare(title="  DB \t  down\n in  EU ").incident
    assert incident.title == "DB down in EU"


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_empty_title_is_refused(title: str) -> None:
    """An incident needs a title; the refusal shows an example."""
    with pytest.raises(InvalidCommand, match=r"e\.g\. `/incident open sev1"):
        declare(title=title)


def test_oversized_title_is_refused() -> None:
    """Titles longer than MAX_TITLE are refused; exactly MAX_TITLE is fine."""
    assert declare(title="x" * MAX_TITLE).incident.title == "x" * MAX_TITLE
    with pytest.raises(InvalidCommand, match=f"{MAX_TITLE + 1} characters"):
        declare(title="x" * (MAX_TITLE + 1))


def test_open_is_not_a_command_on_an_existing_incident() -> None:
    """OpenIncident through execute is refused."""
    with pytest.raises(InvalidCommand, match="does not apply"):
        run(opened(), c.OpenIncident(severity=Severity.SEV1, title="x"), T0)


# The timeline


def test_every_change_adds_a_timeline_entry_with_time_and_actor() -> None:
    """Each command stamps exactly one entry, at its time, by its actor, of the right kind."""
    script: list[tuple[c.Command, str, EntryKind]] = [
        (c.Acknowledge(), SAM, EntryKind.ACKNOWLEDGED),
        (c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), SAM, EntryKind.ROLE_ASSIGNED),
        (c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=LI), SAM, EntryKind.ROLE_ASSIGNED),
        (c.AssignRole(role=Role.RESPONDER, user=ANA), SAM, EntryKind.ROLE_ASSIGNED),
        (c.PostStatusUpdate(text="502s from the processor"), SAM, EntryKind.STATUS_UPDATE),
        (c.PostStatusUpdate(text="Investigating", external=True), LI, EntryKind.EXTERNAL_UPDATE),
        (c.ChangeSeverity(severity=Severity.SEV0), SAM, EntryKind.SEVERITY_CHANGED),
        (c.ChangePhase(phase=Phase.TRIAGE), SAM, EntryKind.PHASE_CHANGED),
        (c.AddNote(text="Paused the batch"), ANA, EntryKind.NOTE),
        (c.AddActionItem(text="Alert on 502s", owner=ANA), SAM, EntryKind.ACTION_ADDED),
        (c.CompleteActionItem(number=1), ANA, EntryKind.ACTION_DONE),
        (c.RecordPinnedMessage(author=ANA, text="Graph"), ANA, EntryKind.PINNED),
        (c.Resolve(summary="Rolled back"), SAM, EntryKind.RESOLVED),
        (c.ChangePhase(phase=Phase.INVESTIGATION), SAM, EntryKind.REOPENED),
        (c.Resolve(), SAM, EntryKind.RESOLVED),
        (c.MarkReviewDone(link="https://wiki/pir-42"), SAM, EntryKind.REVIEW_DONE),
        (c.Close(), SAM, EntryKind.CLOSED),
    ]
    incident = opened()
    for step, (command, actor, kind) in enumerate(script, start=1):
        now = T0 + minutes(step)
        updated = act(incident, command, at=now, actor=actor)
        assert len(updated.timeline) == len(incident.timeline) + 1, command
        entry = updated.timeline[-1]
        assert (entry.kind, entry.at, entry.actor) == (kind, now, actor), command
        incident = updated
    assert incident.phase is Phase.CLOSED
    assert incident.participants == (MARIA, SAM, LI, ANA)


# Acknowledge


def test_acknowledge_records_who_and_when() -> None:
    """Ack sets acknowledged_at/by and says how long it took against the target."""
    decision = run(opened(oncall=ONCALL), c.Acknowledge(), T0 + minutes(3))
    assert decision.incident.acknowledged_at == T0 + minutes(3)
    assert decision.incident.acknowledged_by == SAM
    message = by_kind(decision, "acknowledged")
    assert message.plain_text() == (
        "✅ @sam acknowledged in 3 min (target 1 h). Escalation stopped."
    )
    assert decision.events == (
        e.IncidentAcknowledged(
            number=42, at=T0 + minutes(3), by=SAM, severity=Severity.SEV1, declared_at=T0
        ),
    )


def test_acknowledge_twice_is_refused() -> None:
    """A second ack is refused and says who acknowledged and when."""
    incident = act(opened(), c.Acknowledge(), at=T0 + minutes(3))
    with pytest.raises(
        NotAllowedInPhase, match=r"#42 was already acknowledged by @sam at 14:03 UTC\."
    ):
        run(incident, c.Acknowledge(), T0 + minutes(5), actor=LI)


# Status updates


@pytest.mark.parametrize(
    ("external", "example"),
    [(False, "e.g. `/incident status Rolled back"), (True, "e.g. `/incident status --external")],
)
def test_empty_status_is_refused_with_an_example(external: bool, example: str) -> None:
    """An empty status update is refused with an example of a valid one."""
    with pytest.raises(InvalidCommand, match="needs some text") as caught:
        run(opened(), c.PostStatusUpdate(text="   ", external=external), T0)
    assert example in caught.value.message


def test_overlong_status_is_refused() -> None:
    """A status update over 3000 characters is refused with its length."""
    with pytest.raises(InvalidCommand, match="3001 characters"):
        run(opened(), c.PostStatusUpdate(text="x" * 3001), T0)


def test_status_update_is_recorded_and_posted() -> None:
    """The update is kept (trimmed) and posted with the author and the core facts."""
    decision = run(opened(), c.PostStatusUpdate(text="  Rolling back  "), T0 + minutes(10))
    (update,) = decision.incident.status_updates
    assert (update.text, update.author, update.at, update.external) == (
        "Rolling back",
        SAM,
        T0 + minutes(10),
        False,
    )
    message = by_kind(decision, "status_update")
    assert message.plain_text() == "📝 Status update from @sam: Rolling back"
    assert [f.label for f in message.facts][:3] == ["Severity", "Phase", "Incident commander"]


# Severity


def test_changing_to_the_same_severity_is_refused() -> None:
    """Setting the severity it already has is refused."""
    with pytest.raises(InvalidCommand, match="already SEV-1"):
        run(opened(), c.ChangeSeverity(severity=Severity.SEV1), T0)


def test_severity_change_is_announced_with_new_target() -> None:
    """Raising severity posts in the channel and the incidents channel with the new deadline."""
    decision = run(opened(Severity.SEV2), c.ChangeSeverity(severity=Severity.SEV0), T0 + minutes(5))
    assert decision.incident.severity is Severity.SEV0
    channel = by_kind(decision, "severity_changed")
    assert "Severity raised SEV-2 → SEV-0 by @sam" in channel.plain_text()
    assert "acknowledge by 14:15 UTC (in 10 min)" in channel.plain_text()
    assert by_kind(decision, "severity_announcement").audience is Audience.ANNOUNCE
    assert decision.events == (
        e.SeverityChanged(number=42, at=T0 + minutes(5), before=Severity.SEV2, after=Severity.SEV0),
    )


def test_lowering_severity_says_lowered() -> None:
    """Lowering reads as lowered."""
    decision = run(opened(), c.ChangeSeverity(severity=Severity.SEV3), T0 + minutes(5))
    assert "Severity lowered SEV-1 → SEV-3" in by_kind(decision, "severity_changed").plain_text()


# Phases


def test_phase_change_records_before_and_after() -> None:
    """A forward move records the phase change and emits PhaseChanged."""
    decision = run(opened(), c.ChangePhase(phase=Phase.INVESTIGATION), T0 + minutes(10))
    assert decision.incident.phase is Phase.INVESTIGATION
    entry = decision.incident.timeline[-1]
    assert (entry.get("before"), entry.get("after")) == ("detection", "investigation")
    assert decision.incident.phase_entered_at == T0 + minutes(10)
    assert decision.events == (
        e.PhaseChanged(
            number=42, at=T0 + minutes(10), before=Phase.DETECTION, after=Phase.INVESTIGATION
        ),
    )


def test_refused_phase_change_through_execute() -> None:
    """execute refuses a transition the phase rules forbid and leaves nothing behind."""
    incident = act(opened(), c.ChangePhase(phase=Phase.MITIGATION), at=T0 + minutes(10))
    with pytest.raises(NotAllowedInPhase, match="next can be resolution"):
        run(incident, c.ChangePhase(phase=Phase.CLOSED), T0 + minutes(11))
    with pytest.raises(NotAllowedInPhase):
        run(incident, c.ChangePhase(phase=Phase.TRIAGE), T0 + minutes(11))


def test_phase_resolution_marks_mitigated_not_resolved() -> None:
    """Moving to the resolution phase records the mitigation; the incident stays open."""
    decision = run(opened(), c.ChangePhase(phase=Phase.RESOLUTION), T0 + minutes(10))
    assert decision.incident.phase is Phase.RESOLUTION
    assert decision.incident.mitigated_at == T0 + minutes(10)
    assert decision.incident.resolved_at is None
    assert decision.incident.is_active
    assert decision.incident.timeline[-1].kind is EntryKind.PHASE_CHANGED
    assert isinstance(decision.events[0], e.PhaseChanged)


def test_mitigation_back_to_investigation() -> None:
    """Mitigation may fall back to investigation when the fix did not hold."""
    incident = act(opened(), c.ChangePhase(phase=Phase.MITIGATION), at=T0 + minutes(10))
    assert act(incident, c.ChangePhase(phase=Phase.INVESTIGATION), at=T0 + minutes(20)).phase is (
        Phase.INVESTIGATION
    )


def test_reopen_clears_resolution() -> None:
    """Reopening a resolved incident into investigation clears resolved_at and the summary."""
    decision = run(resolved(), c.ChangePhase(phase=Phase.INVESTIGATION), T0 + minutes(90))
    incident = decision.incident
    assert incident.phase is Phase.INVESTIGATION
    assert incident.resolved_at is None
    assert incident.resolution_summary is None
    assert incident.is_active
    assert incident.timeline[-1].kind is EntryKind.REOPENED
    assert (
        by_kind(decision, "phase_changed")
        .plain_text()
        .startswith("🔁 Reopened: resolution → investigation")
    )


def test_resolution_to_post_incident_is_a_forward_move() -> None:
    """Moving a resolved incident to post-incident keeps its resolution and is not a reopen."""
    decision = run(resolved(), c.ChangePhase(phase=Phase.POST_INCIDENT), T0 + hours(2))
    incident = decision.incident
    assert incident.phase is Phase.POST_INCIDENT
    assert incident.timeline[-1].kind is EntryKind.PHASE_CHANGED
    assert incident.resolved_at == T0 + hours(1)
    assert incident.resolution_summary == "Rolled back"
    assert "Reopened" not in by_kind(decision, "phase_changed").plain_text()


# Resolve and close


def test_resolve_sets_resolution_and_says_when_review_is_due() -> None:
    """Resolving records the time and summary and says the review deadline."""
    decision = run(opened(), c.Resolve(summary=" Rolled back deploy 8812 "), T0 + minutes(70))
    incident = decision.incident
    assert incident.phase is Phase.RESOLUTION
    assert incident.resolved_at == T0 + minutes(70)
    assert incident.resolution_summary == "Rolled back deploy 8812"
    text = by_kind(decision, "resolved").plain_text()
    assert "✅ Resolved by @sam after 1 h 10 min. Rolled back deploy 8812" in text
    assert "Review due Wed 25 Nov 15:10 UTC (in 2 d)." in text
    assert "Status reminders stopped." in text
    assert by_kind(decision, "resolution_announcement").audience is Audience.ANNOUNCE


def test_resolve_sev2_says_no_review_needed() -> None:
    """A SEV-2 needs no review, and the resolution message says so."""
    decision = run(opened(Severity.SEV2), c.Resolve(), T0 + hours(1))
    assert "No review is required" in by_kind(decision, "resolved").plain_text()


def test_resolve_twice_is_refused() -> None:
    """A resolved incident cannot be resolved again; the refusal says how to reopen."""
    with pytest.raises(
        NotAllowedInPhase,
        match=r"already resolved \(phase resolution\)\. To reopen it: `/incident phase investigation`",
    ):
        run(resolved(), c.Resolve(), T0 + hours(2))


def test_close_while_active_is_refused() -> None:
    """An active incident must be resolved before it closes."""
    with pytest.raises(NotAllowedInPhase, match="Resolve it first"):
        run(opened(), c.Close(), T0 + hours(1))


def test_close_sev1_refused_until_review_done() -> None:
    """A SEV-1 cannot close before its review, and the refusal says how."""
    with pytest.raises(NotAllowedInPhase) as caught:
        run(resolved(), c.Close(), T0 + hours(2))
    assert "`/incident review done <link>`" in caught.value.message
    assert "--force" in caught.value.message


def test_close_sev1_after_review_done() -> None:
    """Once the review is marked done, a SEV-1 closes without force."""
    incident = act(resolved(), c.MarkReviewDone(link="https://wiki/pir"), at=T0 + hours(20))
    decision = run(incident, c.Close(), T0 + hours(21), actor=MARIA)
    assert decision.incident.phase is Phase.CLOSED
    assert decision.incident.closed_at == T0 + hours(21)
    assert decision.events == (e.IncidentClosed(number=42, at=T0 + hours(21), forced=False),)


def test_force_close_by_incident_commander_is_recorded() -> None:
    """The IC may force-close; the timeline, event and message say the review was skipped."""
    decision = run(resolved(), c.Close(force=True), T0 + hours(2), actor=SAM)
    incident = decision.incident
    assert incident.phase is Phase.CLOSED
    assert incident.timeline[-1].get("forced") == "true"
    assert incident.timeline[-1].text == "Closed without a review (forced)"
    assert decision.events == (e.IncidentClosed(number=42, at=T0 + hours(2), forced=True),)
    assert by_kind(decision, "closed").plain_text() == "🔒 #42 closed by @sam (review skipped)."


def test_sev2_closes_after_resolve() -> None:
    """A SEV-2 needs no review: anyone closes it after resolution, not forced."""
    decision = run(resolved(Severity.SEV2), c.Close(), T0 + hours(2), actor=LI)
    assert decision.incident.phase is Phase.CLOSED
    assert decision.incident.timeline[-1].get("forced") == "false"


@pytest.mark.parametrize(
    "command",
    [
        c.Acknowledge(),
        c.PostStatusUpdate(text="x"),
        c.ChangeSeverity(severity=Severity.SEV0),
        c.ChangePhase(phase=Phase.INVESTIGATION),
        c.AssignRole(role=Role.RESPONDER, user=ANA),
        c.Resolve(),
        c.Close(),
        c.AddNote(text="x"),
        c.MarkReviewDone(link="x"),
    ],
    ids=lambda command: type(command).__name__,
)
def test_closed_incident_refuses_commands(command: c.Command) -> None:
    """Once closed, an incident refuses every change but its action items (see test_actions)."""
    closed = act(resolved(Severity.SEV2), c.Close(), at=T0 + hours(2))
    with pytest.raises(NotAllowedInPhase, match=r"#42 is closed\. Open a new incident"):
        run(closed, command, T0 + hours(3))


def test_closed_incident_still_records_pins() -> None:
    """A message pinned after closing is still captured into the timeline."""
    closed = act(resolved(Severity.SEV2), c.Close(), at=T0 + hours(2))
    incident = act(closed, c.RecordPinnedMessage(author=ANA, text="late graph"), at=T0 + hours(3))
    assert incident.timeline[-1].kind is EntryKind.PINNED
    assert incident.timeline[-1].get("author") == ANA


# Roles


def test_roles_are_assigned() -> None:
    """IC and communications lead are single people; responders accumulate."""
    incident = opened()
    incident = act(incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), at=T0)
    incident = act(incident, c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=LI), at=T0)
    incident = act(incident, c.AssignRole(role=Role.RESPONDER, user=ANA), at=T0)
    incident = act(incident, c.AssignRole(role=Role.RESPONDER, user=MARIA), at=T0)
    assert incident.incident_commander == SAM
    assert incident.communications_lead == LI
    assert incident.responders == (ANA, MARIA)
    assert incident.role_holder(Role.INCIDENT_COMMANDER) == SAM


def test_same_incident_commander_or_responder_twice_is_refused() -> None:
    """Naming the current IC again, or a responder twice, is refused."""
    incident = act(opened(), c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), at=T0)
    with pytest.raises(InvalidCommand, match="already incident commander"):
        run(incident, c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM), T0)
    incident = act(incident, c.AssignRole(role=Role.RESPONDER, user=ANA), at=T0)
    with pytest.raises(InvalidCommand, match="already a responder"):
        run(incident, c.AssignRole(role=Role.RESPONDER, user=ANA), T0)


# Records: notes, action items, review


def test_action_items_add_and_complete() -> None:
    """Action items are numbered from 1, keep their owner, and can be marked done."""
    incident = act(opened(), c.AddActionItem(text="Alert on 502s", owner=ANA), at=T0)
    decision = run(incident, c.AddActionItem(text="Runbook"), T0 + minutes(1))
    assert [(i.number, i.owner) for i in decision.incident.action_items] == [(1, ANA), (2, None)]
    assert by_kind(decision, "action_added").plain_text() == (
        "☑️ Action item 2: Runbook (no owner yet)"
    )
    done = act(decision.incident, c.CompleteActionItem(number=1), at=T0 + minutes(2))
    assert done.action_items[0].done_at == T0 + minutes(2)
    assert done.action_items[1].done_at is None
    with pytest.raises(InvalidCommand, match="already done"):
        run(done, c.CompleteActionItem(number=1), T0 + minutes(3))


def test_unknown_action_item_lists_valid_numbers() -> None:
    """Completing an item that does not exist lists the numbers that do."""
    incident = act(opened(), c.AddActionItem(text="a"), at=T0)
    incident = act(incident, c.AddActionItem(text="b"), at=T0)
    with pytest.raises(InvalidCommand, match=r"no action item 5 \(items: 1, 2\)"):
        run(incident, c.CompleteActionItem(number=5), T0)
    with pytest.raises(InvalidCommand, match=r"items: none yet"):
        run(opened(), c.CompleteActionItem(number=1), T0)


def test_empty_note_and_action_are_refused() -> None:
    """Notes and action items need text."""
    with pytest.raises(InvalidCommand, match="A note needs some text"):
        run(opened(), c.AddNote(text=" "), T0)
    with pytest.raises(InvalidCommand, match="An action item needs some text"):
        run(opened(), c.AddActionItem(text=""), T0)


def test_review_done_requires_resolution() -> None:
    """The review cannot be marked done while the incident is active."""
    with pytest.raises(NotAllowedInPhase, match="not resolved yet"):
        run(opened(), c.MarkReviewDone(link="https://wiki/pir"), T0)


def test_review_done_records_the_link() -> None:
    """Marking the review done keeps the link and when."""
    incident = act(resolved(), c.MarkReviewDone(link=" https://wiki/pir-42 "), at=T0 + hours(5))
    assert incident.review_done_at == T0 + hours(5)
    assert incident.review_link == "https://wiki/pir-42"


# Mentions come only from identities, never from user text

HOSTILE = "@here <!channel> @everyone <@U999> <@!123>"


def test_user_text_never_becomes_a_mention() -> None:
    """Pings in typed text stay plain strings; only actors and owners become Mention parts."""
    decision = declare(title=HOSTILE, oncall=ONCALL)
    messages = list(decision.messages)
    incident = decision.incident
    commands: list[c.Command] = [
        c.PostStatusUpdate(text=HOSTILE),
        c.PostStatusUpdate(text=HOSTILE, external=True),
        c.AddNote(text=HOSTILE),
        c.AddActionItem(text=HOSTILE, owner=ANA),
        c.Resolve(summary=HOSTILE),
        c.MarkReviewDone(link="none " + HOSTILE),
    ]
    for step, command in enumerate(commands, start=1):
        result = run(incident, command, T0 + minutes(step))
        messages.extend(result.messages)
        incident = result.incident
    assert mentions(tuple(messages)) <= {MARIA, SAM, LI, ANA}
    assert not any(isinstance(p, Everyone) for m in messages for p in m.text)
    status = next(m for m in messages if m.kind == "status_update")
    assert status.text[-1] == HOSTILE
    assert isinstance(status.text[-1], str)
