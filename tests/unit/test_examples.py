"""Each refusal suggests the command that failed: `/incident sev sev7` shows a `sev` example,
never another verb's; every example is itself a valid command of its verb."""

from __future__ import annotations

import re

import pytest

from incidents import commands as c
from incidents.errors import DomainError
from incidents.examples import EXAMPLES, example, example_of
from incidents.handlers import INCIDENT_HANDLERS, execute
from incidents.parser import Parsed, ParseError, parse
from tests.unit.helpers import POLICY, SAM, T0, hours, resolved

SUGGESTED = re.compile(r"`(/incident [^`]*)`")

# (the verb that failed, a refused command of it): the parser's refusals and the domain's.
REFUSALS = [
    ("open", "open"),
    ("open", "open sev9 DB down"),
    ("open", "open sev1"),
    ("ack", "ack now"),
    ("status", "status"),
    ("status", "status --external"),
    ("sev", "sev"),
    ("sev", "sev sev7"),
    ("sev", "sev 42 p9"),
    ("phase", "phase"),
    ("phase", "phase fixing"),
    ("ic", "ic"),
    ("ic", "ic @here"),
    ("role", "role boss @li"),
    ("role", "role comms"),
    ("note", "note"),
    ("action", "action"),
    ("action", "action Add an alert @here"),
    ("action", "action done x"),
    ("close", "close now"),
    ("review", "review the thing"),
    ("review", "review done"),
    ("review", "review done not-a-link"),
    ("review", "review done ftp://wiki.example.com/pir"),
    ("review", "review done none"),
    ("timeline", "timeline all"),
]


def refusal(text: str) -> str:
    """Why `text` is refused: by the parser, or by the domain on a resolved incident."""
    parsed = parse(text)
    if isinstance(parsed, ParseError):
        return parsed.message
    with pytest.raises(DomainError) as refused:
        execute(resolved(), parsed.request, actor=SAM, now=T0 + hours(2), policy=POLICY)
    return refused.value.message


@pytest.mark.parametrize(("verb", "text"), REFUSALS, ids=[text for _, text in REFUSALS])
def test_a_refusal_suggests_its_own_verb(verb: str, text: str) -> None:
    """Every example in the refusal of a `verb` command is a `/incident verb …` command."""
    suggested = SUGGESTED.findall(refusal(text))
    assert suggested, refusal(text)
    assert all(s == f"/incident {verb}" or s.startswith(f"/incident {verb} ") for s in suggested)


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_every_example_is_a_valid_command_of_its_verb(key: str) -> None:
    """Each example parses back to a request of its verb; one about an incident also parses
    with the incident's number, as typed outside its channel."""
    parsed = parse(example(key))
    assert isinstance(parsed, Parsed), parsed
    verb = key.split()[0]
    assert example_of(parsed.request).startswith(f"/incident {verb}")
    if type(parsed.request) in INCIDENT_HANDLERS or isinstance(
        parsed.request, c.ShowReview | c.ShowTimeline
    ):
        numbered = parse(example(key, 42))
        assert numbered == Parsed(request=parsed.request, incident=42)


@pytest.mark.parametrize(
    "link", ["https://wiki.example.com/pir-42", "http://wiki/pir-1", "HTTPS://Docs.example/x?y=1"]
)
def test_review_done_takes_a_web_link(link: str) -> None:
    """`review done <http(s) link>` records the link."""
    parsed = parse(f"review done {link}")
    assert isinstance(parsed, Parsed)
    decision = execute(resolved(), parsed.request, actor=SAM, now=T0 + hours(2), policy=POLICY)
    assert decision.incident.review_link == link


def test_review_done_none_records_why() -> None:
    """`review done none <why>` marks the review done without a link, keeping why."""
    parsed = parse("review done none Duplicate of #41")
    assert isinstance(parsed, Parsed)
    decision = execute(resolved(), parsed.request, actor=SAM, now=T0 + hours(2), policy=POLICY)
    assert decision.incident.review_done_at == T0 + hours(2)
    assert decision.incident.review_link is None
    assert decision.incident.timeline[-1].get("reason") == "Duplicate of #41"


@pytest.mark.parametrize("typed", ["not-a-link", "wiki.example.com/pir", "https://", "a b"])
def test_review_done_refuses_what_is_not_a_link(typed: str) -> None:
    """Anything but an http(s) link or `none <why>` is refused, saying both valid forms."""
    message = refusal(f"review done {typed}")
    assert "(http:// or https://)" in message
    assert "`/incident review done none " in message
