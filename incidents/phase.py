"""Incident phases and which transitions between them are allowed."""

from __future__ import annotations

import enum

from incidents.errors import NotAllowedInPhase, UnknownPhase


class Phase(enum.StrEnum):
    """Where an incident is in its life, in order."""

    DETECTION = "detection"
    TRIAGE = "triage"
    INVESTIGATION = "investigation"
    MITIGATION = "mitigation"
    RESOLUTION = "resolution"
    POST_INCIDENT = "post-incident"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        """True before resolution: people are still working on the problem."""
        return self in ACTIVE_PHASES


ORDER: tuple[Phase, ...] = tuple(Phase)
ACTIVE_PHASES: frozenset[Phase] = frozenset(
    {Phase.DETECTION, Phase.TRIAGE, Phase.INVESTIGATION, Phase.MITIGATION}
)

_ALIASES = {
    "postincident": Phase.POST_INCIDENT,
    "post_incident": Phase.POST_INCIDENT,
    "post": Phase.POST_INCIDENT,
    "pir": Phase.POST_INCIDENT,
    "resolved": Phase.RESOLUTION,
    "close": Phase.CLOSED,
    "mitigate": Phase.MITIGATION,
    "investigate": Phase.INVESTIGATION,
    "detect": Phase.DETECTION,
}


def parse_phase(text: str, *, example: str | None = None) -> Phase:
    """Parse a phase name (`triage`, `post-incident`, ...); the error shows `example` (the
    command being typed, done right) when one is given."""
    key = text.strip().lower()
    for phase in Phase:
        if phase.value == key:
            return phase
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownPhase(text, tuple(p.value for p in Phase), example)


def allowed_next(phase: Phase) -> tuple[Phase, ...]:
    """The phases an incident may move to from `phase`, forward first.

    Forward moves may skip ahead among the working phases and into resolution. Mitigation may
    fall back to investigation when the fix did not hold, and a resolved incident may be
    reopened into investigation. Closing happens only after resolution.
    """
    if phase is Phase.CLOSED:
        return ()
    if phase is Phase.POST_INCIDENT:
        return (Phase.CLOSED,)
    if phase is Phase.RESOLUTION:
        return (Phase.POST_INCIDENT, Phase.CLOSED, Phase.INVESTIGATION)
    index = ORDER.index(phase)
    forward = tuple(p for p in ORDER[index + 1 :] if p.is_active or p is Phase.RESOLUTION)
    backward = (Phase.INVESTIGATION,) if phase is Phase.MITIGATION else ()
    return forward + backward


def check_transition(number: int, current: Phase, target: Phase) -> None:
    """Raise `NotAllowedInPhase` naming the allowed next phases unless current → target is allowed."""
    allowed = allowed_next(current)
    if target in allowed:
        return
    if current is Phase.CLOSED:
        raise NotAllowedInPhase(f"#{number} is closed; nothing follows. Open a new incident.")
    if target is current:
        raise NotAllowedInPhase(f"#{number} is already in {current.value}.")
    forward = [p.value for p in allowed if ORDER.index(p) > ORDER.index(current)]
    backward = [p.value for p in allowed if ORDER.index(p) < ORDER.index(current)]
    options = " or ".join(forward) if forward else "nothing further"
    text = f"#{number} is in {current.value}; next can be {options}"
    if backward:
        text += f" (or back to {' or '.join(backward)})"
    text += "."
    if target is Phase.CLOSED:
        text += " Close comes after the review: `/incident resolve`, then `/incident review`."
    elif target is Phase.POST_INCIDENT:
        text += " Resolve it first: `/incident resolve <summary>`."
    raise NotAllowedInPhase(text)
