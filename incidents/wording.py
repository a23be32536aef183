"""The words the bot says: summaries and facts shared by every handler and renderer."""

from __future__ import annotations

from datetime import datetime

from incidents.messages import Fact, Mention, Part, Text, person
from incidents.model import Incident
from incidents.policy import PageTarget, Policy
from incidents.severity import Severity
from incidents.targets import acknowledgement_text
from incidents.timefmt import clock_text, relative_text, when_text
from incidents.timers import next_deadline, pending_timers, phase_deadline


def headline(incident: Incident) -> str:
    """`SEV-1 #42 Checkout is failing`."""
    return f"{incident.severity.label} #{incident.number} {incident.title}"


def shared_headline(incident: Incident) -> str:
    """The headline where people outside the incident read it (the incidents and on-call
    channels): `private SEV-1 #42`, without the title, for a private incident."""
    if incident.private:
        return f"private {incident.severity.label} #{incident.number}"
    return headline(incident)


def core_facts(incident: Incident, policy: Policy, now: datetime) -> tuple[Fact, ...]:
    """Severity, phase, incident commander and the next deadline: what every summary shows."""
    facts = [
        Fact("Severity", (incident.severity.label,)),
        Fact("Phase", (incident.phase.value,)),
        Fact("Incident commander", person(incident.incident_commander)),
    ]
    upcoming = next_deadline(incident, policy)
    if upcoming is not None:
        what, at = upcoming
        facts.append(Fact("Next deadline", (f"{what} {when_text(at, now)}",)))
    return tuple(facts)


def phase_line(incident: Incident, policy: Policy, now: datetime) -> Text:
    """`Phase: detection (ends 14:15, in 15 min) · IC: @sam`."""
    deadline = phase_deadline(incident, policy)
    phase = f"Phase: {incident.phase.value}"
    if deadline is not None and incident.is_active:
        phase += f" (ends {clock_text(deadline, now)}, {relative_text(deadline, now)})"
    return (phase, " · IC: ", *person(incident.incident_commander))


def response_line(incident: Incident, policy: Policy, now: datetime) -> str:
    """`Response target: acknowledged by 15:00 (1 h)`, or how long acknowledging took."""
    target = policy.response_targets[incident.severity]
    if incident.acknowledged_at is not None:
        said = acknowledgement_text(
            incident.severity, incident.declared_at, incident.acknowledged_at, policy
        )
        return f"{said[0].upper()}{said[1:]}."
    deadline = policy.response_deadline(incident.severity, incident.declared_at)
    return f"Response target: acknowledged by {clock_text(deadline, now)} ({target.describe()})."


def paging_line(incident: Incident, policy: Policy, now: datetime) -> Text:
    """`Paging @sam (primary). Escalates to @li at 14:15, everyone at 14:30.`"""
    oncall = incident.oncall
    if oncall is None or oncall.primary is None:
        return ("No on-call rotation is configured: nobody was paged.",)
    steps = policy.escalation.get(incident.severity, ())
    # Business-hours pages may go out days later, after a handoff: name the role, not a person.
    hours = " (business hours)" if policy.business_hours_for(incident.severity) else ""
    if steps and not first_page_at_declaration(incident.severity, incident.declared_at, policy):
        return (f"Pages {later_page_text(incident, policy, now)}, unless acknowledged first.",)
    if steps and steps[0].target is PageTarget.EVERYONE:
        others = [p for p in oncall.everyone if p != oncall.primary]
        said: list[Part] = [f"Paging everyone in {oncall.rotation} at once: "]
        said += [Mention(oncall.primary), " (primary, first responder)"]
        for other in others:
            said += [", ", Mention(other)]
        return (*said, ".")
    parts: list[Part] = ["Paging ", Mention(oncall.primary), " (primary)."]
    later: list[Text] = []
    for step in steps[1:]:
        due = policy.page_due(incident.severity, incident.declared_at, step.after)
        at = clock_text(due, now)
        if hours:
            later.append((f"{_role(step.target)} at {at} UTC{hours}",))
        elif step.target is PageTarget.BACKUP and oncall.backup:
            later.append((Mention(oncall.backup), f" at {at}"))
        elif step.target is PageTarget.EVERYONE:
            later.append((f"everyone at {at}",))
    if later:
        parts.append(" Escalates to ")
        for index, chunk in enumerate(later):
            if index:
                parts.append(", ")
            parts.extend(chunk)
        parts.append(".")
    return tuple(parts)


def later_page_text(incident: Incident, policy: Policy, now: datetime) -> str:
    """`the primary on call at Tue 08 Dec 09:00 UTC (business hours)`: whom the first page
    goes to and when, for an incident whose first page waits."""
    steps = policy.escalation.get(incident.severity, ())
    if not steps:
        return "nobody"
    hours = " (business hours)" if policy.business_hours_for(incident.severity) else ""
    pending = [s for s in pending_timers(incident, policy) if s.key == "escalation:0"]
    when = f" at {clock_text(pending[0].due_at, now)} UTC{hours}" if pending else " later"
    return f"{_role(steps[0].target)}{when}"


def first_page_at_declaration(severity: Severity, declared_at: datetime, policy: Policy) -> bool:
    """True when the first escalation step pages as the incident is declared (a round-the-clock
    severity, or a business-hours one declared within them); else a timer pages later."""
    steps = policy.escalation.get(severity, ())
    return bool(steps) and policy.page_due(severity, declared_at, steps[0].after) == declared_at


def _role(target: PageTarget) -> str:
    """`the primary on call`, `everyone on call`: who a page goes to when it fires."""
    return "everyone on call" if target is PageTarget.EVERYONE else f"the {target.value} on call"
