"""`[[rotation]]` and `page` in sevbot.toml: the issue's example loads; mistakes say what is valid."""

from __future__ import annotations

import os
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.oncall.config import page_map
from incidents.oncall.rotation import Handoff
from incidents.severity import Severity

EXAMPLE = """
[[rotation]]
name = "maintainers"
members = ["slack:U01ALICE", "slack:U02BOB", "discord:123456789012345678", "carol@example.com"]
length = "1w"               # also 1d, 2w ...
handoff = "MON 09:00 UTC"   # weekday + time + IANA zone; 09:00 Europe/Oslo works across DST
start = 2026-01-05          # the first handoff date
channel = { slack = "C0ONCALL", discord = "123456789012345678" }
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SEVBOT_* variables from the developer's shell leak into these tests."""
    for name in list(os.environ):
        if name.startswith("SEVBOT_") or name == "PORT":
            monkeypatch.delenv(name)


def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> object:
    """Load settings from `toml` as sevbot.toml."""
    path = tmp_path / "sevbot.toml"
    path.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(path))
    return load_settings()


def refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> str:
    """The ConfigError message for `toml`."""
    with pytest.raises(ConfigError) as error:
        load(tmp_path, monkeypatch, toml)
    return str(error.value)


def test_the_issues_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example in the issue is a valid rotation; the email becomes `email:…`."""
    path = tmp_path / "sevbot.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(path))
    settings = load_settings()
    [rotation] = [r.to_rotation() for r in settings.rotation]
    assert rotation.members[-1] == "email:carol@example.com"
    assert rotation.start == date(2026, 1, 5)
    assert rotation.length == timedelta(weeks=1)
    assert rotation.handoff == Handoff(weekday=0, at=time(9), zone="UTC")
    assert dict(rotation.channels) == {"slack": "C0ONCALL", "discord": "123456789012345678"}
    assert rotation.reminder == timedelta(hours=1)
    assert page_map(settings.rotation, settings.page) == dict.fromkeys(Severity, "maintainers")


def test_page_per_severity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`page = { sev0 = "sre" }` sends SEV-0 to sre, the rest to the first rotation."""
    toml = 'page = { sev0 = "sre" }\n' + EXAMPLE + EXAMPLE.replace('"maintainers"', '"sre"')
    path = tmp_path / "sevbot.toml"
    path.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(path))
    settings = load_settings()
    mapping = page_map(settings.rotation, settings.page)
    assert mapping[Severity.SEV0] == "sre"
    assert mapping[Severity.SEV1] == "maintainers"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("MON 09:00 UTC", "MON 09:00 Europe/Olso"), "Unknown time zone `Europe/Olso`"),
        (("MON 09:00 UTC", "Monday at nine"), "MON 09:00 Europe/Oslo"),
        (('"1w"', '"12h"'), "use whole days: 1d, 1w, 2w"),
        (("2026-01-05", "2026-01-07"), "make start the first handoff date, e.g. 2026-01-12"),
        (('"carol@example.com"', '"carol"'), "slack:U…, discord:<user id> or an email"),
        (('slack = "C0ONCALL"', 'teams = "C0ONCALL"'), "`teams` is not a chat platform"),
        (('name = "maintainers"', 'name = "on call!"'), "is not a rotation name"),
    ],
)
def test_mistakes_name_the_setting_and_what_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], says: str
) -> None:
    """Each mistake stops start-up with a message naming `rotation` and what is valid."""
    message = refusal(tmp_path, monkeypatch, EXAMPLE.replace(*change))
    assert "rotation" in message
    assert says in message


def test_page_must_name_a_rotation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`page` naming no configured rotation lists the ones there are."""
    message = refusal(tmp_path, monkeypatch, 'page = "sre"\n' + EXAMPLE)
    assert "SEVBOT_PAGE (or `page` in sevbot.toml)" in message
    assert "`sre` is not a configured rotation; use one of: maintainers" in message


def test_two_rotations_with_one_name_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotation names are unique (they appear in commands and calendar URLs)."""
    assert "rename one" in refusal(tmp_path, monkeypatch, EXAMPLE + EXAMPLE)
