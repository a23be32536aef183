"""Private incidents in the pure core: who is inside, what shared channels read, no public trace."""

from __future__ import annotations

from datetime import datetime

from bot.review.markdown import render_review
from incidents import commands as c
from incidents.components import StatusPagePolicy
from incidents.decision import Decision
from incidents.handlers import execute, open_incident
from incidents.messages import Audience, Message, MessageKind
from incidents.model import Incident, OnCall, Role
from incidents.oncall.handoff import action_items_text, open_incidents_text
from incidents.parser import Parsed, format_request, parse
from incidents.private import insiders, paged, shared_title, visible_to
from incidents.review import review_facts
from incidents.severity import Severity
from incidents.statuspage import status_page

from .helpers import ANA, LI, MARIA, ONCALL, POLICY, SAM, T0, act, fire, minutes

CAROL = "console:carol"  # in the workspace, not in the incident
TITLE = "Payroll export leaks salaries"


def declare_private(
    *, oncall: OnCall | None = ONCALL, at: datetime = T0, private: bool = True
) -> Decision:
    """maria declares SEV-1 #42, private unless told otherwise, paging sam."""
    return open_incident(
        c.OpenIncident(severity=Severity.SEV1, title=TITLE, private=private),
        number=42,
        actor=MARIA,
        now=at,
        policy=POLICY,
        oncall=oncall,
    )


def shared(messages: tuple[Message, ...]) -> list[Message]:
    """The messages that land where people outside the incident read."""
    return [m for m in messages if m.audience in (Audience.ANNOUNCE, Audience.ONCALL)]


def test_the_command_language_reads_private_before_or_after_the_severity() -> None:
    """`--private` may stand before or after the severity; after it, words are the title."""
    for text in (
        "open sev1 --private Payroll leak",
        "open --private sev1 Payroll leak",
        "/incident open SEV-1 --PRIVATE Payroll leak",
    ):
        parsed = parse(text, "slack")
        assert parsed == Parsed(
            request=c.OpenIncident(severity=Severity.SEV1, title="Payroll leak", private=True)
        ), text
    later = parse("open sev1 Payroll leak --private", "slack")
    assert isinstance(later, Parsed)
    assert later.request == c.OpenIncident(
        severity=Severity.SEV1, title="Payroll leak --private", private=False
    )
    refused = parse("open sev1 --private", "slack")
    assert not isinstance(refused, Parsed)
    assert "needs a title" in refused.message


def test_a_private_request_round_trips_through_its_text() -> None:
    """`format_request` writes the flag where `parse` reads it back."""
    parsed = Parsed(request=c.OpenIncident(severity=Severity.SEV2, title="Leak", private=True))
    assert format_request(parsed) == "open sev2 --private Leak"
    assert parse(format_request(parsed), "console") == parsed


def test_the_incident_is_private_and_its_record_says_so() -> None:
    """The incident carries the flag; the declaration entry and the pinned summary say it is
    private (and what that means); a public incident's summary says nothing of it."""
    decision = declare_private()
    assert decision.incident.private
    assert decision.incident.timeline[0].text == f"Declared SEV-1 (private): {TITLE}"
    summary = next(m for m in decision.messages if m.kind is MessageKind.SUMMARY)
    assert "🔒 Private: only the people in it see this channel." in summary.plain_text()
    public = declare_private(private=False)
    assert not public.incident.private
    assert "Private" not in public.messages[0].plain_text()


def test_the_announcement_says_only_that_a_private_incident_was_declared() -> None:
    """#incidents reads `a private SEV-1 was declared: #42`: no title, nobody named."""
    decision = declare_private()
    [announcement] = shared(decision.messages)
    assert announcement.kind is MessageKind.ANNOUNCEMENT
    assert announcement.title == "🔴 Private SEV-1 #42"
    text = announcement.plain_text()
    assert "A private SEV-1 was declared: #42." in text
    assert TITLE not in text
    assert "@" not in text  # neither the declarer nor who is on call
    page = next(m for m in decision.messages if m.kind is MessageKind.PAGE)
    assert TITLE in page.plain_text()  # the person paged is inside: they read the title


def test_severity_and_resolution_announcements_leave_out_the_title_and_summary() -> None:
    """Raised to SEV-0, then resolved with a summary: #incidents reads neither title nor fix."""
    incident = declare_private().incident
    raised = act(incident, c.ChangeSeverity(severity=Severity.SEV0), at=T0 + minutes(5))
    resolve = c.Resolve(summary="Revoked the export token")
    for before, command in (
        (incident, c.ChangeSeverity(severity=Severity.SEV0)),
        (raised, resolve),
    ):
        decision = execute(before, command, actor=SAM, now=T0 + minutes(10), policy=POLICY)
        [announcement] = shared(decision.messages)
        words = f"{announcement.title} {announcement.plain_text()}"
        assert "#42" in words
        assert TITLE not in words
        assert "Revoked" not in words
        assert "@" not in words


def test_on_call_channel_messages_use_the_private_headline() -> None:
    """The missed response target and the last escalation step name `private SEV-1 #42` in
    the on-call channel, never the title; the incident's own channel keeps the title."""
    incident = declare_private().incident
    everyone = fire(incident, "escalation:2", now=T0 + minutes(30))
    breach = fire(everyone.incident, "response-breach", now=T0 + minutes(60))
    for decision in (everyone, breach):
        [oncall] = shared(decision.messages)
        assert oncall.audience is Audience.ONCALL
        assert "private SEV-1 #42" in oncall.plain_text()
        assert TITLE not in oncall.plain_text()
    inside = next(m for m in breach.messages if m.audience is Audience.INCIDENT)
    assert TITLE in inside.plain_text()


def test_insiders_are_the_people_in_the_incident() -> None:
    """Declarer, roles, responders, on call, everyone escalation paged, and whoever acted."""
    oncall = OnCall(rotation="maintainers", primary=SAM, backup=None, everyone=(SAM, ANA))
    incident = declare_private(oncall=oncall).incident
    assert insiders(incident) == (MARIA, SAM)
    assert not visible_to(incident, ANA)
    incident = fire(incident, "escalation:2", now=T0 + minutes(30)).incident
    assert paged(incident) == (SAM, ANA)
    incident = act(
        incident, c.AssignRole(role=Role.COMMUNICATIONS_LEAD, user=LI), at=T0 + minutes(31)
    )
    incident = act(incident, c.AddNote(text="Looking"), at=T0 + minutes(32), actor="console:bo")
    assert set(insiders(incident)) == {MARIA, SAM, ANA, LI, "console:bo"}
    assert all(visible_to(incident, person) for person in insiders(incident))
    assert not visible_to(incident, CAROL)


def test_a_public_incident_is_visible_to_anyone() -> None:
    """Without the flag everyone sees it, whatever their part in it."""
    assert visible_to(declare_private(private=False).incident, CAROL)


def test_the_status_page_never_shows_a_private_incident() -> None:
    """A private SEV-1 with an external update: not open, not in history, state operational."""
    incident = declare_private().incident
    incident = act(incident, c.PostStatusUpdate(text="We are on it", external=True), at=T0)
    page = status_page([incident], config=StatusPagePolicy(), now=T0)
    assert (page.status.indicator.value, page.open_incidents, page.past_incidents) == (
        "none",
        [],
        [],
    )
    resolved = act(incident, c.Resolve(), at=T0 + minutes(5))
    later = status_page([resolved], config=StatusPagePolicy(), now=T0 + minutes(6))
    assert later.past_incidents == []


def test_the_handoff_lists_a_private_incident_without_its_title_or_items() -> None:
    """The on-call channel's handoff reads `(private)` for the title and each action item."""
    incident = declare_private().incident
    incident = act(incident, c.AddActionItem(text="Rotate the payroll key"), at=T0)
    listed = "".join(str(p) for p in open_incidents_text([incident], T0 + minutes(5)))
    items = "".join(str(p) for p in action_items_text([incident]))
    assert "#42 (private)" in listed
    assert "#42 (private)" in items
    assert TITLE not in listed + items
    assert "payroll key" not in items
    assert shared_title(incident) == "(private)"


def test_the_review_draft_marks_a_private_incident() -> None:
    """The draft's heading says `(private)` and a line names who could see it."""
    incident: Incident = declare_private().incident
    facts = review_facts(incident, POLICY, T0 + minutes(5))
    assert facts.private
    assert facts.insiders == (MARIA, SAM, LI)
    draft = render_review(facts)
    assert draft.startswith(f"# Post-incident review: #42 {TITLE} (private)")
    assert "- **Private:** only the people in it could see it (@maria, @sam, @li)" in draft
    public = render_review(review_facts(declare_private(private=False).incident, POLICY, T0))
    assert "(private)" not in public
    assert "**Private:**" not in public
