"""Issue 13's policy points, asserted on the scenarios' JSON-lines transcripts and review drafts."""

from __future__ import annotations

import io
import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.local import DEMO_ROTATION, demo_scenario, run_simulation
from bot.scenario import parse_scenario
from incidents import commands as c
from incidents.errors import DomainError
from incidents.handlers import execute
from incidents.messages import Message, MessageKind
from incidents.model import Incident
from incidents.people import SEVBOT, Person
from incidents.phase import Phase
from incidents.review import Verdict, review_facts
from incidents.severity import Severity
from incidents.timers import pending_timers
from tests.scenarios.harness import HERE, events, settings_for
from tests.unit.helpers import POLICY, SAM, T0, opened

_BREACH = re.compile(r"\b[Tt]he (\S+) window ended at")
_PHASE_ROW = re.compile(r"^\| ([a-z-]+) \| .* \| ([^|]+) \|$", re.MULTILINE)


async def _played(name: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The scenario `name`'s JSON-lines records and the last review draft of each incident."""
    scenario = HERE / f"{name}.scenario"
    steps = parse_scenario(scenario.read_text(encoding="utf-8"), scenario.name)
    out, files = io.StringIO(), dict[str, str]()
    await run_simulation(settings_for(scenario), steps, out, fmt="jsonl", files=files)
    return [json.loads(line) for line in out.getvalue().splitlines()], files


def _said(records: list[dict[str, Any]], kind: str, incident: int) -> list[str]:
    """The texts of the messages of `kind` about `incident`, in order."""
    return [r["text"] for r in records if r["kind"] == kind and r["incident"] == incident]


def _records(records: list[dict[str, Any]], incident: int) -> list[dict[str, Any]]:
    """The records about `incident`, in order."""
    return [r for r in records if r["incident"] == incident]


def _phase_marks(draft: str) -> dict[str, str]:
    """A review draft's phase table: phase → its result mark."""
    phases = {p.value for p in Phase}
    return {m[1]: m[2].strip() for m in _PHASE_ROW.finditer(draft) if m[1] in phases}


# Point 3: the review obligation follows the highest severity reached


async def test_a_downgrade_after_resolution_keeps_the_review_owed() -> None:
    """A SEV-1 lowered to SEV-3 after resolving keeps its reminder, due time and close refusal."""
    records = await events(HERE / "downgrade-keeps-review.scenario")
    (lowered,) = _said(records, "severity_changed", 1)
    assert "SEV-1 → SEV-3" in lowered
    assert "It reached SEV-1, so its review is still due Wed 25 Nov 15:00 UTC" in lowered
    refusals = _said(records, "error", 1)
    assert len(refusals) == 1
    assert "(SEV-3, reached SEV-1) needs its post-incident review" in refusals[0]
    assert len(_said(records, "review_reminder", 1)) == 2  # the channel and the owner
    assert len(_said(records, "review_overdue", 1)) == 2
    kinds = [r["kind"] for r in records if r["incident"] == 1]
    assert kinds.index("closed") > kinds.index("review_done")


# Point 4: once public, an incident keeps its place and updates on the status page


async def test_a_downgraded_public_incident_stays_on_the_status_page() -> None:
    """A SEV-0 with an external update, lowered to SEV-3, is still in summary.json and the feed
    with its update, and in the page's history once resolved (read over HTTP from the app)."""
    records = await events(HERE / "downgrade-keeps-public-history.scenario")
    pages = {r["to"]: r for r in records if r["kind"] == "web"}
    assert {path: r["status"] for path, r in pages.items()} == {
        "/status/summary.json": 200,
        "/status/feed.atom": 200,
        "/status": 200,
    }
    kinds = [r["kind"] for r in records]
    assert kinds.index("severity_changed") < kinds.index("web")
    (incident,) = json.loads(pages["/status/summary.json"]["text"])["incidents"]
    assert incident["name"] == "Service disruption"  # the internal title is never public
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Card payments are failing; we are on it"
    ]
    feed = pages["/status/feed.atom"]["text"]
    assert "Investigating — Card payments are failing; we are on it</content>" in feed
    history = pages["/status"]["text"]
    past = history[history.index("Past incidents") :]
    assert "Service disruption" in past
    assert "Card payments are failing; we are on it" in past
    assert "Card payments are down" not in history


# Point 5: a late acknowledgement says it was late, and by how much


async def test_a_late_acknowledgement_says_by_how_much_it_missed() -> None:
    """96 s against a 1 min target reads as a miss of 36 s in chat and in the review draft."""
    records, drafts = await _played("late-acknowledgement")
    (acknowledged,) = _said(records, "acknowledged", 1)
    assert "acknowledged in 1 min 36 s, 36 s past the 1 min target" in acknowledged
    assert "(target 1 min)" not in acknowledged
    draft = drafts["incident-1-review.md"]
    assert (
        "| Time to acknowledge | 1 min 36 s | 1 min (by 2026-11-23 14:01 UTC) | ❌ missed by 36 s |"
        in draft
    )
    assert "Acknowledged in 1 min 36 s, 36 s past the 1 min target" in draft  # the timeline


# Point 6: announcements name only the deadlines still running


async def test_severity_changes_name_only_running_deadlines() -> None:
    """No response target once acknowledged or resolved; a running or ended one says which."""
    records = await events(HERE / "announcements-fit-the-state.scenario")
    acknowledged = [
        *_said(records, "severity_changed", 1),
        *_said(records, "severity_announcement", 1),
    ]
    assert len(acknowledged) == 2
    assert all("Response target" not in t and "acknowledge" not in t for t in acknowledged)
    resolved = [*_said(records, "severity_changed", 2), *_said(records, "severity_announcement", 2)]
    assert len(resolved) == 2
    assert all("acknowledge" not in t for t in resolved)
    assert all("Review is now due Wed 25 Nov 14:15 UTC" in t for t in resolved)
    raised, to_sev0 = _said(records, "severity_changed", 3)
    assert "Response target now 1 h: acknowledge by 15:20 UTC (in 55 min)." in raised
    assert "Response target now 15 min, which ended at 14:35 UTC: acknowledge now." in to_sev0
    assert "acknowledge by" not in to_sev0


async def test_the_demo_raise_after_acknowledgement_names_no_response_target() -> None:
    """The shipped demo raises to SEV-0 after its acknowledgement: no response target is said."""
    steps = parse_scenario(demo_scenario(), "demo.scenario")
    out = io.StringIO()
    settings = Settings(database_url="sqlite:///unused.db", rotation=[DEMO_ROTATION])
    await run_simulation(settings, steps, out, fmt="jsonl")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    raised = [*_said(records, "severity_changed", 1), *_said(records, "severity_announcement", 1)]
    assert len(raised) == 2
    assert all(text.endswith("Severity raised SEV-1 → SEV-0 by @sam.") for text in raised)


# Point 7: time to mitigate is when the incident entered the resolution phase


async def test_time_to_mitigate_is_when_resolution_began() -> None:
    """`mitigated` and `phase resolution` set the mitigation; resolving alone falls back."""
    records, drafts = await _played("mitigated-before-resolved")
    (first,) = _said(records, "resolved", 1)
    assert "after 1 h 13 min (mitigated after 43 min)" in first
    (second,) = _said(records, "resolved", 2)
    assert "after 40 min (mitigated after 20 min)" in second
    (third,) = _said(records, "resolved", 3)
    assert "(mitigated after" not in third
    one = drafts["incident-1-review.md"]
    assert "| Time to mitigate | 43 min | — | — |" in one
    assert "| Time to resolve | 1 h 13 min | — | — |" in one
    assert "- **Mitigated:** 2026-11-23 14:43 UTC" in one
    assert "| Time to mitigate | 20 min | — | — |" in drafts["incident-2-review.md"]
    three = drafts["incident-3-review.md"]
    assert "| Time to mitigate | 10 min | — | — |" in three
    assert "| Time to resolve | 10 min | — | — |" in three
    refusal = _said(records, "error", 2)
    assert refusal == [
        "#2 is mitigated but not resolved yet. Resolve it first: `/incident resolve <summary>`."
    ]


async def test_status_reminders_go_on_while_mitigated() -> None:
    """Mitigated is not resolved: the status reminders keep coming until `resolve`."""
    records = await events(HERE / "mitigated-before-resolved.scenario")
    mitigated = [r["at"] for r in _records(records, 1) if r["text"].startswith("🩹 Mitigated")]
    resolved = [r["at"] for r in _records(records, 1) if r["kind"] == "resolved"]
    assert len(mitigated) == len(resolved) == 1
    reminders = [r["at"] for r in _records(records, 1) if r["kind"] == "status_reminder"]
    assert any(mitigated[0] < at <= resolved[0] for at in reminders)


# Point 8: the review's marks and the breaches said in chat agree


async def test_resolved_in_time_is_met_and_phases_not_entered_are_not_in_progress() -> None:
    """A SEV-1 resolved in 1 h meets resolution; post-incident, never entered, is not reached."""
    _, drafts = await _played("phase-windows-agree")
    marks = _phase_marks(drafts["incident-1-review.md"])
    assert marks["resolution"] == "✅ met"
    assert marks["post-incident"] == "— not reached"
    assert "⏳ in progress" not in marks.values()


@pytest.mark.parametrize(
    "name",
    [
        "phase-windows-agree",
        "mitigated-before-resolved",
        "late-acknowledgement",
        "downgrade-keeps-review",
    ],
)
async def test_review_drafts_mark_missed_exactly_the_breaches_chat_announced(name: str) -> None:
    """For each drafted incident, the phases marked missed are the phase breaches said in chat."""
    records, drafts = await _played(name)
    assert drafts, "the scenario drafts a review"
    for file, draft in drafts.items():
        number = int(file.split("-")[1])
        announced = {
            match[1]
            for text in _said(records, "phase_breach", number)
            for match in _BREACH.finditer(text)
        }
        missed = {phase for phase, mark in _phase_marks(draft).items() if "missed" in mark}
        assert missed == announced, file


async def test_the_agreement_scenario_announces_each_kind_of_breach() -> None:
    """Timer, late entry and resolution-window breaches all appear, once per window."""
    records, _ = await _played("phase-windows-agree")
    said = _said(records, "phase_breach", 2)
    assert [m[1] for t in said for m in _BREACH.finditer(t)] == [
        "detection",
        "investigation",
        "resolution",
    ]
    assert "30 min before #2 reached investigation" in said[1]
    assert _said(records, "phase_breach", 1) == []


def _fire_due(incident: Incident, now: datetime, said: list[Message]) -> Incident:
    """Fire every timer due by `now`, each at its own due time, as the scheduler does."""
    while True:
        due = [s for s in pending_timers(incident, POLICY) if s.due_at <= now]
        if not due:
            return incident
        spec = due[0]
        decision = execute(
            incident,
            c.FireTimer(key=spec.key, due_at=spec.due_at),
            actor=SEVBOT,
            now=spec.due_at,
            policy=POLICY,
        )
        said.extend(decision.messages)
        incident = decision.incident


def _walk(seed: int) -> tuple[Incident, datetime, list[Message]]:
    """A random incident life: phase moves, mitigation, resolution, reopening and closing at
    random times (window ends included), with timers firing before or after each command."""
    rng = random.Random(seed)
    incident = opened(rng.choice(list(Severity)))
    now, said = T0, list[Message]()
    commands: list[c.Command] = [
        *(c.ChangePhase(phase=p) for p in Phase),
        c.MarkMitigated(summary="Rolled back"),
        c.Resolve(summary="Fixed"),
        c.Acknowledge(),
        c.Close(force=True),
        c.PostStatusUpdate(text="Still on it"),
    ]
    steps = [1, 5, 10, 15, 30, 60, 90, 120, 240, 600, 1200, 1440]
    for _ in range(rng.randint(2, 12)):
        now += timedelta(minutes=rng.choice(steps))
        timers_first = rng.random() < 0.5
        if timers_first:
            incident = _fire_due(incident, now, said)
        try:
            decision = execute(
                incident, rng.choice(commands), actor=Person(SAM), now=now, policy=POLICY
            )
        except DomainError:
            pass
        else:
            incident = decision.incident
            said.extend(decision.messages)
        incident = _fire_due(incident, now, said)
    end = now + timedelta(minutes=rng.choice([0, *steps, 3000]))
    return _fire_due(incident, end, said), end, said


@pytest.mark.parametrize("seed", range(300))
def test_random_lives_review_exactly_the_breaches_announced(seed: int) -> None:
    """Over random incident lives, review_facts' missed windows are the phase breaches said."""
    incident, end, said = _walk(seed)
    announced = [
        match[1]
        for message in said
        if message.kind is MessageKind.PHASE_BREACH
        for match in _BREACH.finditer(message.plain_text())
    ]
    assert len(announced) == len(set(announced)), "each window's miss is said once"
    facts = review_facts(incident, POLICY, end)
    missed = {span.phase.value for span in facts.phases if span.verdict is Verdict.MISSED}
    assert missed == set(announced)
    never_entered = {span.phase for span in facts.phases if span.entered_at is None}
    assert all(
        span.verdict in (Verdict.SKIPPED, Verdict.NOT_REACHED)
        for span in facts.phases
        if span.phase in never_entered
    )


def test_scenario_files_are_in_this_folder() -> None:
    """The point scenarios exist beside this file, with their expected transcripts."""
    for name in (
        "downgrade-keeps-review",
        "downgrade-keeps-public-history",
        "late-acknowledgement",
        "announcements-fit-the-state",
        "mitigated-before-resolved",
        "phase-windows-agree",
    ):
        assert Path(HERE / f"{name}.scenario").exists()
        assert Path(HERE / f"{name}.expected").exists()


# Point 1: a business-day severity pages in business hours, whoever holds the role then


async def test_an_after_hours_sev3_pages_the_primary_of_the_next_business_morning() -> None:
    """Declared Fri 17:00, the page goes out Tue 09:00 (Mon is a holiday) to ana, primary since
    Monday's handoff; the summary and announcement name the role and the time, not li."""
    records = await events(HERE / "sev3-weekend-page.scenario")
    (summary,) = _said(records, "summary", 1)
    assert "Pages the primary on call at Tue 08 Dec 09:00 UTC (business hours)" in summary
    (announcement,) = _said(records, "announcement", 1)
    assert "pages the primary on call at Tue 08 Dec 09:00 UTC (business hours)" in announcement
    assert "@U0LI" not in summary + announcement
    pages = [(r["at"], r["to"]) for r in records if r["kind"] == "page"]
    assert pages == [("2026-12-08T09:00:00Z", "slack:U0ANA")]
    (escalation,) = _said(records, "escalation", 1)
    assert "Paging @U0ANA (primary)" in escalation
    assert _said(records, "response_breach", 1) == []
    (timeline,) = _said(records, "timeline", 1)
    assert "09:00  sevbot  Paged @U0ANA (primary)" in timeline


# Point 2: status reminders of a business-day severity pause outside business hours


def _in_business_hours(at: str) -> bool:
    """True for an instant Monday to Friday 09:00-17:00 UTC, not the 7 Dec holiday."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    workday = moment.weekday() < 5 and moment.date().isoformat() != "2026-12-07"
    return workday and 9 <= moment.hour < 17


async def test_sev3_status_reminders_wait_for_business_hours() -> None:
    """None over the weekend and holiday; Tuesday from 09:00, every 30 min; quiet overnight."""
    records = await events(HERE / "sev3-weekend-reminders.scenario")
    reminders = [r["at"] for r in records if r["kind"] == "status_reminder"]
    weekend = [at for at in reminders if "2026-12-04T17:00:00Z" < at < "2026-12-08T09:00:00Z"]
    assert weekend == []
    assert reminders[:2] == ["2026-12-08T09:00:00Z", "2026-12-08T09:30:00Z"]
    assert all(_in_business_hours(at) for at in reminders)
    overnight = [at for at in reminders if "2026-12-08T16:30:00Z" < at < "2026-12-09T09:00:00Z"]
    assert overnight == []
    assert reminders[-2:] == ["2026-12-09T09:00:00Z", "2026-12-09T09:30:00Z"]


async def test_round_the_clock_severities_keep_the_30_minute_cadence() -> None:
    """A SEV-2 is reminded every 30 min from its declaration, business hours or not."""
    records = await events(HERE / "tool-declared-reminders.scenario")
    reminders = [r["at"][11:16] for r in records if r["kind"] == "status_reminder"]
    assert reminders == ["14:30", "15:00", "15:30", "16:00"]


# Point 9: reminders never address a tool


async def test_reminders_of_a_tool_declared_incident_address_people_only() -> None:
    """The paged primary, then whoever acknowledged, then the IC; never @alertmanager."""
    records = await events(HERE / "tool-declared-reminders.scenario")
    addressed = [text.split(",", 1)[0] for text in _said(records, "status_reminder", 1)]
    assert addressed == ["⏰ @sam", "⏰ @sam", "⏰ @li", "⏰ @ana"]
    (breach,) = _said(records, "phase_breach", 1)
    assert breach.startswith("🚨 @sam, the detection window ended")
    nagging = {
        "status_reminder",
        "phase_breach",
        "external_update_due",
        "review_reminder",
        "review_overdue",
        "escalation",
        "page",
    }
    to_tool = [r for r in records if r["kind"] in nagging and "alertmanager" in r["text"] + r["to"]]
    assert to_tool == []


def test_policy_timing_scenarios_are_in_this_folder() -> None:
    """Points 1, 2 and 9 have their scenarios, configurations and expected transcripts here."""
    for name in ("sev3-weekend-page", "sev3-weekend-reminders", "tool-declared-reminders"):
        for suffix in (".scenario", ".toml", ".expected"):
            assert (HERE / f"{name}{suffix}").exists(), name + suffix
