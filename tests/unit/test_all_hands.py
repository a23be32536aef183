"""All hands: a first escalation step of `everyone` (the shipped SEV-0 default, or
`[policy.escalation] sevN = ["0m everyone"]`) pages every member at once, the primary named as
first responder."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from incidents import commands as c
from incidents.handlers import execute
from incidents.messages import Audience, MessageKind
from incidents.model import EntryKind, OnCall
from incidents.policy import EscalationStep, PageTarget
from incidents.private import paged
from incidents.severity import Severity
from incidents.timers import pending_timers

from .helpers import ANA, LI, MARIA, ONCALL, POLICY, SAM, T0, declare, minutes

ALL_HANDS_SEV1 = replace(
    POLICY,
    escalation={
        **POLICY.escalation,
        Severity.SEV1: (EscalationStep(after=timedelta(0), target=PageTarget.EVERYONE),),
    },
)


def test_the_shipped_sev0_pages_every_member_at_once() -> None:
    """SEV-0 by default: one direct page to each of sam, li and ana as it is declared."""
    decision = declare(Severity.SEV0, oncall=ONCALL)
    pages = [m for m in decision.messages if m.kind is MessageKind.PAGE]
    assert [m.recipient for m in pages] == [SAM, LI, ANA]
    assert all(m.audience is Audience.DIRECT for m in pages)
    assert "you are first responder" in pages[0].plain_text()
    assert "@sam (primary) is first responder" in pages[1].plain_text()


def test_the_announcement_and_summary_name_the_first_responder() -> None:
    """The announcement says everyone is paged and who leads; the summary lists them all."""
    decision = declare(Severity.SEV0, oncall=ONCALL)
    (announcement,) = [m for m in decision.messages if m.kind is MessageKind.ANNOUNCEMENT]
    said = announcement.plain_text()
    assert "paging everyone in maintainers at once: @sam (primary) is first responder" in said
    (summary,) = [m for m in decision.messages if m.kind is MessageKind.SUMMARY]
    assert (
        "Paging everyone in maintainers at once: @sam (primary, first responder), @li, @ana."
        in summary.plain_text()
    )


def test_zero_minutes_everyone_works_for_any_severity() -> None:
    """`sev1 = ["0m everyone"]`: a SEV-1 pages all hands too, and no timer pages again."""
    decision = declare(Severity.SEV1, oncall=ONCALL, policy=ALL_HANDS_SEV1)
    pages = [m.recipient for m in decision.messages if m.kind is MessageKind.PAGE]
    assert pages == [SAM, LI, ANA]
    timers = pending_timers(decision.incident, ALL_HANDS_SEV1)
    assert not [t for t in timers if t.key.startswith("escalation")]


def test_the_page_is_one_timeline_entry_that_makes_everyone_an_insider() -> None:
    """One PAGED entry (target everyone): a private incident's insiders include each person."""
    decision = declare(Severity.SEV0, oncall=ONCALL)
    (entry,) = [e for e in decision.incident.timeline if e.kind is EntryKind.PAGED]
    assert entry.get("target") == "everyone"
    assert "first responder @sam" in entry.text
    assert set(paged(decision.incident)) == {SAM, LI, ANA}


def test_nobody_primary_still_pages_everyone() -> None:
    """A gap in the rotation (no primary now): the members are paged, and told whoever
    acknowledges leads."""
    gap = OnCall(rotation="maintainers", primary=None, backup=None, everyone=(LI, ANA))
    decision = declare(Severity.SEV0, oncall=gap)
    pages = [m for m in decision.messages if m.kind is MessageKind.PAGE]
    assert [m.recipient for m in pages] == [LI, ANA]
    assert "whoever acknowledges leads" in pages[0].plain_text()


def test_raising_to_sev0_pages_everyone_once() -> None:
    """A SEV-2 (its primary paged) raised to SEV-0 before anyone acknowledged: the first
    SEV-0 step is due at once and pages all hands, direct pages included, and not again."""
    incident = declare(Severity.SEV2, oncall=ONCALL).incident
    later = T0 + minutes(1)
    raised = execute(
        incident, c.ChangeSeverity(severity=Severity.SEV0), actor=MARIA, now=later, policy=POLICY
    ).incident
    (timer,) = [t for t in pending_timers(raised, POLICY) if t.key.startswith("escalation")]
    assert (timer.key, timer.due_at) == ("escalation:0", T0)
    fired = execute(
        raised,
        c.FireTimer(key=timer.key, due_at=timer.due_at, oncall=ONCALL),
        actor=SAM,
        now=later,
        policy=POLICY,
    )
    pages = [m.recipient for m in fired.messages if m.kind is MessageKind.PAGE]
    assert pages == [SAM, LI, ANA]
    (channel,) = [m for m in fired.messages if m.kind is MessageKind.ESCALATION]
    assert "@sam (primary) is first responder" in channel.plain_text()
    again = [t for t in pending_timers(fired.incident, POLICY) if t.key.startswith("escalation")]
    assert again == []
