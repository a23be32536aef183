"""Phase transitions (allowed and refused), their refusal wording, and phase aliases."""

from __future__ import annotations

import itertools

import pytest

from incidents.errors import NotAllowedInPhase, UnknownPhase
from incidents.phase import Phase, allowed_next, check_transition, parse_phase

DET, TRI, INV, MIT = Phase.DETECTION, Phase.TRIAGE, Phase.INVESTIGATION, Phase.MITIGATION
RES, PIR, CLO = Phase.RESOLUTION, Phase.POST_INCIDENT, Phase.CLOSED

# Written out by hand from the product rules, not derived from the code under test.
EXPECTED_ALLOWED: dict[Phase, set[Phase]] = {
    DET: {TRI, INV, MIT, RES},
    TRI: {INV, MIT, RES},
    INV: {MIT, RES},
    MIT: {RES, INV},
    RES: {PIR, CLO, INV},
    PIR: {CLO},
    CLO: set(),
}


def test_expected_table_covers_every_phase() -> None:
    """The hand-written table names every phase, so the loop below misses none."""
    assert set(EXPECTED_ALLOWED) == set(Phase)


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(Phase, Phase)), ids=lambda p: p.value
)
def test_every_transition_matches_the_table(current: Phase, target: Phase) -> None:
    """Each (current, target) pair is allowed exactly when the table says so."""
    if target in EXPECTED_ALLOWED[current]:
        check_transition(7, current, target)
        assert target in allowed_next(current)
    else:
        with pytest.raises(NotAllowedInPhase):
            check_transition(7, current, target)
        assert target not in allowed_next(current)


@pytest.mark.parametrize("current", list(Phase), ids=lambda p: p.value)
def test_allowed_next_lists_forward_moves_first(current: Phase) -> None:
    """allowed_next has no duplicates, and forward moves come before the way back."""
    allowed = allowed_next(current)
    order = list(Phase)
    assert len(set(allowed)) == len(allowed)
    positions = [order.index(p) > order.index(current) for p in allowed]
    assert positions == sorted(positions, reverse=True)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (c, t)
        for c, t in itertools.product(Phase, Phase)
        if t not in EXPECTED_ALLOWED[c] and c is not CLO and t is not c
    ],
    ids=lambda p: p.value,
)
def test_refusal_names_every_allowed_next_phase(current: Phase, target: Phase) -> None:
    """A refused move says which phases may come next."""
    with pytest.raises(NotAllowedInPhase) as caught:
        check_transition(42, current, target)
    message = caught.value.message
    assert message.startswith(f"#42 is in {current.value}; next can be ")
    for phase in EXPECTED_ALLOWED[current]:
        assert phase.value in message


def test_mitigation_to_closed_is_the_product_example() -> None:
    """From mitigation, `closed` explains the next phases and that close follows the review."""
    with pytest.raises(NotAllowedInPhase) as caught:
        check_transition(42, MIT, CLO)
    message = caught.value.message
    assert "#42 is in mitigation; next can be resolution (or back to investigation)." in message
    assert "Close comes after the review" in message
    assert "`/incident resolve`" in message


def test_post_incident_before_resolution_says_resolve_first() -> None:
    """Jumping to post-incident while active tells people to resolve first."""
    with pytest.raises(NotAllowedInPhase, match="Resolve it first"):
        check_transition(3, INV, PIR)


def test_moving_to_the_current_phase_says_so() -> None:
    """Asking for the phase the incident is already in says it is already there."""
    with pytest.raises(NotAllowedInPhase, match=r"#5 is already in triage\."):
        check_transition(5, TRI, TRI)


def test_closed_allows_nothing() -> None:
    """A closed incident refuses every move and suggests a new incident."""
    for target in Phase:
        with pytest.raises(NotAllowedInPhase, match="nothing follows"):
            check_transition(9, CLO, target)


def test_backward_move_from_triage_to_detection_is_refused() -> None:
    """There is no way back to detection; the refusal lists triage's forward moves."""
    with pytest.raises(NotAllowedInPhase) as caught:
        check_transition(1, TRI, DET)
    assert "next can be investigation or mitigation or resolution." in caught.value.message
    assert "back to" not in caught.value.message


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_parse_phase_accepts_each_name_in_any_case(phase: Phase) -> None:
    """Each phase parses from its own name, case and surrounding spaces ignored."""
    assert parse_phase(phase.value) is phase
    assert parse_phase(f"  {phase.value.upper()} ") is phase


@pytest.mark.parametrize(
    ("alias", "phase"),
    [
        ("postincident", PIR),
        ("post_incident", PIR),
        ("post", PIR),
        ("PIR", PIR),
        ("resolved", RES),
        ("close", CLO),
        ("mitigate", MIT),
        ("investigate", INV),
        ("detect", DET),
    ],
)
def test_parse_phase_aliases(alias: str, phase: Phase) -> None:
    """The verb and short forms people type map to the phase."""
    assert parse_phase(alias) is phase


def test_parse_phase_unknown_lists_valid_names() -> None:
    """An unknown phase raises UnknownPhase listing every phase."""
    with pytest.raises(UnknownPhase) as caught:
        parse_phase("fixing")
    assert "Unknown phase `fixing`" in caught.value.message
    for phase in Phase:
        assert phase.value in caught.value.message


def test_active_phases_are_those_before_resolution() -> None:
    """Detection to mitigation are active; resolution and later are not."""
    assert [p for p in Phase if p.is_active] == [DET, TRI, INV, MIT]
