"""`Person`: a person (or tool) as a value, parsed once, printed one way, stored one way."""

from __future__ import annotations

import json

import pytest

from incidents.people import SEVBOT, Person


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("slack:U01ALICE", "slack:U01ALICE"),
        ("discord:123456789012345678", "discord:123456789012345678"),
        ("console:sam", "console:sam"),
        ("api:alertmanager", "api:alertmanager"),
        ("email:carol@example.com", "email:carol@example.com"),
        ("carol@Example.com", "email:carol@example.com"),
        ("Email:Carol@Example.com", "email:carol@example.com"),
        ("  slack:U01ALICE \n", "slack:U01ALICE"),
    ],
)
def test_text_is_read_into_its_stored_form(text: str, stored: str) -> None:
    """Chat identities stay as they are; emails get the `email:` platform and lower case."""
    assert Person(text) == stored


@pytest.mark.parametrize(
    "text",
    ["sam", "@sam", "<@U123>", "slack:", ":U1", "slack:U1 x", "1slack:U1", "email:nobody", ""],
)
def test_bad_text_is_refused_with_a_clear_error(text: str) -> None:
    """Anything that is not `platform:id` (or an email address) is a ValueError naming it."""
    with pytest.raises(ValueError, match="is not a") as error:
        Person(text)
    assert f"`{text}`" in str(error.value)


def test_non_text_is_refused() -> None:
    """A number is not a person: a TypeError, not a person `123`."""
    with pytest.raises(TypeError, match="not int"):
        Person(123)  # type: ignore[arg-type]


def test_platform_id_and_handle() -> None:
    """`platform` and `id` split the stored form once; `handle` is how plain text shows it."""
    alice = Person("slack:U01ALICE")
    assert (alice.platform, alice.id, alice.handle) == ("slack", "U01ALICE", "@U01ALICE")
    carol = Person("carol@example.com")
    assert (carol.platform, carol.id, carol.handle) == (
        "email",
        "carol@example.com",
        "@carol@example.com",
    )


def test_it_is_the_stored_string() -> None:
    """Equal to, hashed like and serialised as its text: dict keys and JSON are unchanged."""
    alice = Person("slack:U01ALICE")
    assert isinstance(alice, str)
    assert {"slack:U01ALICE": 1}[alice] == 1
    assert json.loads(json.dumps({alice: [alice]})) == {"slack:U01ALICE": ["slack:U01ALICE"]}
    assert Person(str(alice)) == alice
    assert Person(alice) is alice


def test_of_builds_from_parts() -> None:
    """`Person.of(platform, id)` is the same value as parsing `platform:id`, and is checked."""
    assert Person.of("discord", "42") == Person("discord:42")
    with pytest.raises(ValueError, match="is not a person"):
        Person.of("slack", "two words")


def test_stored_text_loads_as_written() -> None:
    """What a store holds comes back unchanged, even a row older than the checks."""
    old = Person.stored("api:Grafana OnCall")
    assert old == "api:Grafana OnCall"
    assert (old.platform, old.id) == ("api", "Grafana OnCall")
    alice = Person("slack:U01ALICE")
    assert Person.stored(alice) is alice


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("alertmanager", "api:alertmanager"),
        ("slack:U01ALICE", "slack:U01ALICE"),
        ("carol@example.com", "api:carol@example.com"),
    ],
)
def test_parse_reads_a_bare_name_on_the_given_platform(text: str, stored: str) -> None:
    """The HTTP API's actors: a bare name is a tool (`api:…`); `platform:id` is itself."""
    assert Person.parse(text, bare="api") == stored


def test_tools_are_not_people() -> None:
    """API actors and the bot itself are tools; chat users and rotation emails are not."""
    assert Person("api:alertmanager").is_tool
    assert SEVBOT.is_tool
    assert not Person("slack:U01ALICE").is_tool
    assert not Person("carol@example.com").is_tool


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("slack:here", "`@here` is not a person; name one person, like @sam."),
        ("console:Everyone", "`@Everyone` is not a person"),
        ("discord:channel", "`@channel` is not a person"),
        ("@everyone", "`@everyone` is not a person"),
        ("here", "`@here` is not a person"),
        ("slack:he\u200bre", "`@here` is not a person"),
        ("slack-group:S0SRE", "`@slack-group:S0SRE` is a group, not a person"),
        ("discord-role:123", "`@discord-role:123` is a group, not a person"),
    ],
)
def test_broadcasts_and_groups_are_never_a_person(text: str, refusal: str) -> None:
    """`@here`, `@channel`, `@everyone` (any platform, any case) and groups are refused."""
    with pytest.raises(ValueError, match=r"is not a person|is a group") as error:
        Person(text)
    assert refusal in str(error.value)


def test_parse_and_of_refuse_broadcasts_too() -> None:
    """The API's actor `everyone` and `Person.of("slack", "here")` name nobody either."""
    with pytest.raises(ValueError, match="`@everyone` is not a person"):
        Person.parse("everyone", bare="api")
    with pytest.raises(ValueError, match="`@here` is not a person"):
        Person.of("slack", "here")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("console:sa\u202em", "console:sam"),
        ("slack:U01\u200bALICE", "slack:U01ALICE"),
        ("\u2066slack:U01ALICE\u2069", "slack:U01ALICE"),
        ("\ufeffcarol@example.com\u200f", "email:carol@example.com"),
        ("console:\u200dsam\u200c", "console:sam"),
    ],
)
def test_bidi_and_zero_width_characters_are_removed_from_names(text: str, stored: str) -> None:
    """A name with a bidi override or a zero-width character is the name it shows."""
    assert Person(text) == stored


def test_a_refusal_never_echoes_a_bidi_override() -> None:
    """The error quotes the name without the override that would reverse the reply."""
    with pytest.raises(ValueError, match="is not a person") as error:
        Person("sa\u202em")
    assert "\u202e" not in str(error.value)
    assert "`sam`" in str(error.value)


def test_a_name_of_only_invisible_characters_is_refused() -> None:
    """`console:` followed by zero-width characters names nobody."""
    with pytest.raises(ValueError, match="is not a person"):
        Person("console:\u200b\u2060")
