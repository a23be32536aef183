"""`[[person]]`, `[mirror]` and `default_platform` as sevbot.toml gives them, checked at start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.preflight import start_up_problem
from bot.settings_model import SecretStr

ANA = '[[person]]\nname = "Ana Lima"\nslack = "U01ANA"\ndiscord = 234567890123456789\n'
ROTATION = (
    '[[rotation]]\nname = "maintainers"\nmembers = [{members}]\nstart = 2026-01-05\n'
    'backups = ["discord:234567890123456789", "carol@example.com"]\n'
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SEVBOT_*, Slack or Discord variables from the shell; the working folder is empty."""
    for name in list(os.environ):
        if name.startswith(("SEVBOT_", "SLACK_", "DISCORD_")) or name == "PORT":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_a_rotation_and_access_may_name_a_person_by_name_or_any_identity(
    tmp_path: Path,
) -> None:
    """`Ana Lima` and her Discord id read as her canonical (Slack) identity; others as given
    (so listing her twice is caught as twice)."""
    members = '"Ana Lima", "slack:U02BOB"'
    (tmp_path / "sevbot.toml").write_text(
        ROTATION.format(members=members) + '[access]\nadmins = ["ana lima"]\n' + ANA
    )
    settings = load_settings()
    assert settings.rotation[0].members == ["slack:U01ANA", "slack:U02BOB"]
    assert settings.rotation[0].backups == ["slack:U01ANA", "email:carol@example.com"]
    assert settings.access.admins == ["slack:U01ANA"]
    assert settings.people().name_of(settings.people().resolve("Ana Lima")) == "Ana Lima"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (ANA.replace("U01ANA", "ana"), "is not a Slack user id"),
        (ANA + ANA.replace("U01ANA", "U02ANA"), "two [[person]] tables are named `Ana Lima`"),
        (ANA + 'page_on = ["teams"]\n', "is not a platform to page on"),
        (ANA.replace("discord = 234567890123456789\n", 'page_on = ["discord"]\n'), "no identity"),
        ('[mirror]\nplatforms = ["slack"]\n', "two or more different platforms"),
        ('default_platform = "teams"\n', "`teams` is not a chat platform"),
        (ROTATION.format(members='"Ana Lma"'), "`Ana Lma` is not a member"),
        (ANA + ROTATION.format(members='"Ana Lima", "slack:U01ANA"'), "twice"),
    ],
)
def test_a_person_or_mirror_that_cannot_work_is_one_line(
    tmp_path: Path, text: str, says: str
) -> None:
    """A bad id, a name twice, a bad `page_on`, a mirror of one platform, an unknown default
    platform, a rotation naming nobody: ConfigError in one line, saying what is wrong."""
    (tmp_path / "sevbot.toml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert says in str(error.value)
    assert "\n" not in str(error.value)


def test_mirroring_a_platform_that_is_not_configured_stops_start_up() -> None:
    """`[mirror]` naming Discord without DISCORD_BOT_TOKEN: `sevbot run` says so and which
    platforms are configured; with both tokens, nothing to say."""
    slack = {"slack_bot_token": SecretStr("xoxb-1"), "slack_signing_secret": SecretStr("s")}
    settings = Settings(mirror={"platforms": ["slack", "discord"]}, **slack)  # type: ignore[arg-type]
    problem = start_up_problem(settings)
    assert problem is not None
    assert "[mirror] platforms names discord" in problem
    assert "DISCORD_BOT_TOKEN" in problem
    both = Settings(
        mirror={"platforms": ["slack", "discord"]},  # type: ignore[arg-type]
        discord_bot_token=SecretStr("d"),
        default_platform="discord",
        **slack,  # type: ignore[arg-type]
    )
    assert start_up_problem(both) is None
    alone = Settings(default_platform="discord", **slack)  # type: ignore[arg-type]
    assert "default_platform names discord" in (start_up_problem(alone) or "")
