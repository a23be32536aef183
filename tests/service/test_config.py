"""Settings from the environment and sevbot.toml; bad values name the setting and what is valid."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.durations import format_duration, parse_duration
from incidents.policy import PageTarget
from incidents.severity import Severity


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SEVBOT_* variables from the developer's shell leak into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("SEVBOT_") or name == "PORT":
            monkeypatch.delenv(name)


def test_defaults() -> None:
    """Unset means the embedded SQLite file, a 30-minute interval and port 8080."""
    settings = load_settings()
    assert settings.database_url == "sqlite:///sevbot.db"
    assert settings.status_interval == timedelta(minutes=30)
    assert settings.port == 8080
    assert settings.domain_policy().status_interval == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("45s", 45), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("1w", 604800)],
)
def test_durations(text: str, expected: int) -> None:
    """Durations as people write them, and back."""
    assert parse_duration(text) == timedelta(seconds=expected)
    assert parse_duration(format_duration(timedelta(seconds=expected))) == timedelta(
        seconds=expected
    )


def test_environment_sets_interval_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """SEVBOT_STATUS_INTERVAL and PORT are read from the environment."""
    monkeypatch.setenv("SEVBOT_STATUS_INTERVAL", "45m")
    monkeypatch.setenv("PORT", "9000")
    settings = load_settings()
    assert settings.status_interval == timedelta(minutes=45)
    assert settings.port == 9000


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SEVBOT_STATUS_INTERVAL", "soon", "45s, 30m, 2h"),
        ("SEVBOT_DATABASE_URL", "mysql://x", "sqlite:///"),
        ("PORT", "http", "PORT"),
        ("SEVBOT_POLICY__RESPONSE_TARGETS__SEV9", "1h", "sev0, sev1, sev2 or sev3"),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    """Each bad value stops start-up with the setting's name and what would be valid."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert says in str(error.value)
    assert name.split("__")[0] in str(error.value)


def test_toml_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sevbot.toml overrides the policy; the environment still wins over the file."""
    config = tmp_path / "sevbot.toml"
    config.write_text(
        """
status_interval = "20m"
[policy]
holidays = [2026-12-25]
[policy.response_targets]
sev1 = "30m"
sev3 = "2bd"
[policy.review_due]
sev2 = "72h"
sev1 = "none"
[policy.escalation]
sev1 = ["0m primary", "10m backup", "20m everyone"]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("SEVBOT_CONFIG", str(config))
    monkeypatch.setenv("SEVBOT_STATUS_INTERVAL", "25m")
    policy = load_settings().domain_policy()
    assert policy.status_interval == timedelta(minutes=25)
    assert policy.response_targets[Severity.SEV1].duration == timedelta(minutes=30)
    assert policy.response_targets[Severity.SEV3].business_days == 2
    assert policy.review_due[Severity.SEV2] == timedelta(hours=72)
    assert Severity.SEV1 not in policy.review_due
    assert [s.target for s in policy.escalation[Severity.SEV1]] == [
        PageTarget.PRIMARY,
        PageTarget.BACKUP,
        PageTarget.EVERYONE,
    ]
    assert policy.holidays == frozenset({date(2026, 12, 25)})


def test_bad_escalation_step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An escalation step that is not `<delay> <primary|backup|everyone>` is refused."""
    config = tmp_path / "sevbot.toml"
    config.write_text('[policy.escalation]\nsev1 = ["soon boss"]\n', encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(config))
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "15m backup" in str(error.value)


def test_missing_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SEVBOT_CONFIG naming no file is an error that says so."""
    monkeypatch.setenv("SEVBOT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="no file at"):
        load_settings()


def test_business_hours_from_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`[policy] business_hours` sets the days, hours and zone business-day severities keep."""
    config = tmp_path / "sevbot.toml"
    config.write_text(
        '[policy]\nbusiness_hours = "SUN-THU 08:30-17:30 Asia/Jerusalem"\n', encoding="utf-8"
    )
    monkeypatch.setenv("SEVBOT_CONFIG", str(config))
    hours = load_settings().domain_policy().business_hours
    assert hours.days == frozenset({6, 0, 1, 2, 3})
    assert (hours.opens, hours.closes, hours.zone) == (time(8, 30), time(17, 30), "Asia/Jerusalem")
    assert hours.describe() == "MON-THU,SUN 08:30-17:30 Asia/Jerusalem"


def test_business_hours_default_to_weekdays_nine_to_five_utc() -> None:
    """Unset, business hours are Monday to Friday 09:00-17:00 UTC."""
    assert load_settings().domain_policy().business_hours.describe() == "MON-FRI 09:00-17:00 UTC"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("weekdays 9-5", 'e.g. "MON-FRI 09:00-17:00 UTC"'),
        ("MON-FRI 17:00-09:00 UTC", "past midnight is not supported"),
        ("MON-FRI 09:00-17:00 Mars/Olympus", "Unknown time zone `Mars/Olympus`"),
    ],
)
def test_bad_business_hours_are_refused_with_what_is_valid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str, says: str
) -> None:
    """Business hours that cannot be read name the setting and show a valid example."""
    config = tmp_path / "sevbot.toml"
    config.write_text(f'[policy]\nbusiness_hours = "{value}"\n', encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(config))
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "policy.business_hours" in str(error.value)
    assert says in str(error.value)
