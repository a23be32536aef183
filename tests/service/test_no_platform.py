"""`sevbot run` with no chat platform says how to talk to it: the console, the command API,
a scenario file; with a platform it says nothing of the kind."""

from __future__ import annotations

from bot.config import Settings
from bot.no_platform import no_platform_hints
from bot.settings_model import SecretStr


def test_three_lines_name_the_console_the_api_and_a_scenario() -> None:
    """No Slack or Discord: three lines, the API one saying the API is off and how to turn it
    on, with a URL this machine reaches."""
    hints = no_platform_hints(Settings(host="0.0.0.0", port=8080))
    assert len(hints) == 3
    console, api, scenario = hints
    assert "`sevbot console`" in console
    assert "SEVBOT_API_TOKEN" in api
    assert "http://127.0.0.1:8080/api/commands" in api
    assert "the command API is off" in api
    assert "`sevbot simulate FILE`" in scenario


def test_with_a_token_the_api_line_says_how_to_send_it() -> None:
    """With SEVBOT_API_TOKEN set, the API line shows the Authorization header, not the token."""
    settings = Settings(host="::1", port=9000, api_token=SecretStr("s3cret"))
    api = no_platform_hints(settings)[1]
    assert "http://[::1]:9000/api/commands" in api
    assert "Authorization: Bearer <token>" in api
    assert "s3cret" not in api


def test_nothing_when_a_platform_is_configured() -> None:
    """With Slack configured there is nothing to add."""
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-1"), slack_signing_secret=SecretStr("secret")
    )
    assert no_platform_hints(settings) == []
