"""The one routing decision: which platform(s) and which channel each outgoing message gets."""

from __future__ import annotations

from bot.routing import Directory, Router
from incidents.messages import Audience, Message, MessageKind


def _message(audience: Audience, **fields: object) -> Message:
    return Message(kind=MessageKind.REPLY, audience=audience, text=("x",), **fields)  # type: ignore[arg-type]


ROUTER = Router(
    platforms=("slack", "discord"),
    directory=Directory(
        oncall_channels={("maintainers", "slack"): "CONCALL"},
        announce_channels={"slack": "CINCIDENTS", "discord": "900"},
    ),
)


def test_incident_messages_go_to_every_platform_the_incident_lives_on() -> None:
    """Incident, announce and reply messages go to the incident's home platform(s)."""
    for audience in (Audience.INCIDENT, Audience.ANNOUNCE, Audience.REPLY):
        assert ROUTER.destinations(_message(audience, incident=1), ["discord"]) == ["discord"]
        assert ROUTER.destinations(_message(audience, incident=1), ["slack", "discord"]) == [
            "slack",
            "discord",
        ]


def test_a_direct_message_goes_to_the_recipients_own_platform() -> None:
    """A DM to `discord:1` goes to Discord whether the incident or rotation lives on Slack."""
    dm = _message(Audience.DIRECT, recipient="discord:1")
    assert ROUTER.destinations(dm, ["slack"]) == ["discord"]
    assert ROUTER.destinations(dm, ROUTER.platforms) == ["discord"]


def test_a_direct_message_to_an_email_goes_to_slack_which_looks_it_up() -> None:
    """`email:` recipients go to Slack when it runs, else to the first home platform."""
    dm = _message(Audience.DIRECT, recipient="email:carol@example.com")
    assert ROUTER.destinations(dm, ["discord"]) == ["slack"]
    console_only = Router(platforms=("console",))
    assert console_only.destinations(dm, ["console"]) == ["console"]


def test_on_call_messages_go_where_the_rotation_has_a_channel() -> None:
    """An on-call message goes to the home platforms with the rotation's channel, else the first."""
    note = _message(Audience.ONCALL, rotation="maintainers")
    assert ROUTER.destinations(note, ["discord", "slack"]) == ["slack"]
    assert ROUTER.destinations(note, ["discord"]) == ["discord"]
    other = _message(Audience.ONCALL, rotation="sre")
    assert ROUTER.destinations(other, ["discord", "slack"]) == ["discord"]


def test_role_addressed_messages_name_their_configured_channel() -> None:
    """On-call messages land in the rotation's channel, else the announce one; others in none."""
    assert ROUTER.channel_for(_message(Audience.ONCALL, rotation="maintainers"), "slack") == (
        "CONCALL"
    )
    assert ROUTER.channel_for(_message(Audience.ONCALL, rotation="maintainers"), "discord") == "900"
    assert ROUTER.channel_for(_message(Audience.ANNOUNCE), "slack") == "CINCIDENTS"
    assert ROUTER.channel_for(_message(Audience.INCIDENT, incident=1), "slack") is None


def test_with_no_platform_running_the_console_is_the_default() -> None:
    """Nothing configured: messages go to the console, the platform `sevbot run` prints."""
    router = Router(platforms=())
    assert router.default_platform == "console"
    assert router.destinations(_message(Audience.INCIDENT, incident=1), []) == ["console"]
