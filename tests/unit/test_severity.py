"""Severity parsing, labels and tokens."""

from __future__ import annotations

import pytest

from incidents.errors import DomainError, UnknownSeverity
from incidents.severity import Severity, parse_severity


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sev1", Severity.SEV1),
        ("SEV-1", Severity.SEV1),
        ("Sev 1", Severity.SEV1),
        ("1", Severity.SEV1),
        ("p1", Severity.SEV1),
        ("P1", Severity.SEV1),
        ("sev_2", Severity.SEV2),
        ("severity 3", Severity.SEV3),
        (" sev0 ", Severity.SEV0),
        ("SEVERITY-0", Severity.SEV0),
    ],
)
def test_parse_severity_accepts_the_ways_people_write_it(text: str, expected: Severity) -> None:
    """Every documented spelling of a severity parses to that severity."""
    assert parse_severity(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("P0", Severity.SEV0), ("p1", Severity.SEV1), ("P2", Severity.SEV2), ("p3", Severity.SEV3)],
)
def test_priorities_p0_to_p3_map_to_sev0_to_sev3(text: str, expected: Severity) -> None:
    """P0-P3 are the same levels as SEV-0..SEV-3."""
    assert parse_severity(text) is expected


@pytest.mark.parametrize("text", ["sev9", "p4", "x", "", "-1", "sev 1 2", "sev", "4", "1.5"])
def test_parse_severity_rejects_anything_else(text: str) -> None:
    """Unknown levels raise UnknownSeverity naming the valid ones."""
    with pytest.raises(UnknownSeverity) as caught:
        parse_severity(text)
    message = caught.value.message
    assert "sev0, sev1, sev2 or sev3" in message
    assert caught.value.text == text
    assert isinstance(caught.value, DomainError)


def test_unknown_severity_quotes_what_was_typed() -> None:
    """The error quotes the input so people see what was not understood."""
    with pytest.raises(UnknownSeverity, match=r"Unknown severity `sev9`"):
        parse_severity("sev9")


@pytest.mark.parametrize(
    ("severity", "label", "token"),
    [
        (Severity.SEV0, "SEV-0", "sev0"),
        (Severity.SEV1, "SEV-1", "sev1"),
        (Severity.SEV2, "SEV-2", "sev2"),
        (Severity.SEV3, "SEV-3", "sev3"),
    ],
)
def test_label_and_token(severity: Severity, label: str, token: str) -> None:
    """`label` reads `SEV-n`; `token` is the command-language form `sevn`."""
    assert severity.label == label
    assert severity.token == token


@pytest.mark.parametrize("severity", list(Severity))
def test_token_and_label_parse_back(severity: Severity) -> None:
    """What the bot writes for a severity, it reads back as the same severity."""
    assert parse_severity(severity.token) is severity
    assert parse_severity(severity.label) is severity


def test_lower_number_is_worse() -> None:
    """SEV-0 orders before SEV-3, so `<` means "worse than"."""
    assert Severity.SEV0 < Severity.SEV1 < Severity.SEV2 < Severity.SEV3


def test_emoji_colour_cues() -> None:
    """Red for SEV-0/1, orange for SEV-2, yellow for SEV-3."""
    assert [s.emoji for s in Severity] == ["🔴", "🔴", "🟠", "🟡"]
