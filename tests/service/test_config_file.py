"""Which configuration file is read (SEVBOT_CONFIG, else ./sevbot.toml, else none), the shipped
`sevbot.example.toml`, and the settings as `sevbot run` summarises them and `sevbot config
check` prints them (issue 17, finding 4)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.config_file import find_config
from bot.config_summary import effective_toml, masked_url, summary_line
from bot.preflight import start_up_problem
from bot.settings_model import BaseModel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sevbot.example.toml"
COMMENTED_SETTING = re.compile(r"^#(?=[\[A-Za-z])", re.MULTILINE)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SEVBOT_*, PORT or Slack variables from the shell; the working folder is empty."""
    for name in list(os.environ):
        if name.startswith(("SEVBOT_", "SLACK_", "DISCORD_")) or name == "PORT":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def everything_on() -> str:
    """The example with every commented-out setting and table uncommented."""
    return COMMENTED_SETTING.sub("", EXAMPLE.read_text(encoding="utf-8"))


def names_in(model: type[BaseModel]) -> dict[str, type[BaseModel] | None]:
    """A model's field names, each with its nested model (of a table or array of tables)."""
    found: dict[str, type[BaseModel] | None] = {}
    for name, field in model.model_fields.items():
        nested = None
        for kind in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                nested = kind
        found[name] = nested
    return found


def keys_of(value: Any) -> set[str]:
    """Every key of a table, of its sub-tables and of the tables of its arrays."""
    if isinstance(value, list):
        return set().union(*(keys_of(item) for item in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    return set(value) | set().union(*(keys_of(v) for v in value.values()))


def test_the_example_as_shipped_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything in sevbot.example.toml is commented out: read as-is it gives the defaults."""
    monkeypatch.setenv("SEVBOT_CONFIG", str(EXAMPLE))
    assert load_settings() == Settings()


def test_the_example_names_every_setting_and_every_one_is_valid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Uncommented, the example parses and validates, and it has every setting: each field of
    the settings and of every table and array of tables under them."""
    document = everything_on()
    for env in re.findall(r'(?:token|secret)_env = "([A-Z_]+)"', document):
        monkeypatch.setenv(env, "example-token")
    (tmp_path / "sevbot.toml").write_text(document)
    settings = load_settings()
    assert settings.rotation
    assert settings.policy.response_targets
    written = keys_of(tomllib.loads(document))
    missing = []
    pending: list[type[BaseModel]] = [Settings]
    while pending:
        for name, nested in names_in(pending.pop()).items():
            if name not in written:
                missing.append(name)
            if nested is not None:
                pending.append(nested)
    assert missing == []


def test_sevbot_toml_in_the_working_folder_is_read(tmp_path: Path) -> None:
    """Without SEVBOT_CONFIG, ./sevbot.toml is the configuration; without it, none."""
    assert find_config().path is None
    assert "none (no SEVBOT_CONFIG, no ./sevbot.toml)" in find_config().describe()
    (tmp_path / "sevbot.toml").write_text('status_interval = "45m"\n')
    assert load_settings().status_interval.total_seconds() == 45 * 60
    assert f"configuration: {tmp_path / 'sevbot.toml'} (./sevbot.toml" in find_config().describe()


def test_sevbot_config_wins_over_the_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SEVBOT_CONFIG names the file even when ./sevbot.toml exists; the environment still wins
    over both."""
    (tmp_path / "sevbot.toml").write_text('status_interval = "45m"\n')
    (tmp_path / "named.toml").write_text('status_interval = "20m"\nport = 9000\n')
    monkeypatch.setenv("SEVBOT_CONFIG", str(tmp_path / "named.toml"))
    monkeypatch.setenv("PORT", "9100")
    settings = load_settings()
    assert settings.status_interval.total_seconds() == 20 * 60
    assert settings.port == 9100
    assert "(SEVBOT_CONFIG)" in find_config().describe()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('status_intervall = "5m"\n', "`status_intervall` is not a setting; did you mean"),
        ("[polcy]\nwarning_fraction = 0.5\n", "`polcy` is not a setting; did you mean `policy`"),
        ("status_interval = [\n", "not valid TOML"),
        ('status_interval = "soon"\n', "Invalid configuration: SEVBOT_STATUS_INTERVAL"),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, says: str) -> None:
    """A misspelt key or table, broken TOML, a bad value: ConfigError in one line."""
    (tmp_path / "sevbot.toml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert says in str(error.value)
    assert "\n" not in str(error.value)


def test_keys_are_read_by_name_and_by_alias_whatever_their_case(tmp_path: Path) -> None:
    """`PORT`, `port` and `Slack_Bot_Token` are settings (names are read without regard to case)."""
    (tmp_path / "sevbot.toml").write_text('PORT = 9001\nSlack_Bot_Token = "x"\n')
    settings = load_settings()
    assert settings.port == 9001
    assert settings.slack_bot_token is not None


def test_effective_settings_mask_every_secret_and_parse_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The printed settings are TOML; tokens, the feed token and the database password are
    masked, and the policy in force is spelled out."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-hidden")
    monkeypatch.setenv("SEVBOT_WEB_TOKEN", "web-hidden")
    settings = load_settings(database_url="postgresql://u:pw-hidden@db:5432/sevbot")
    printed = effective_toml(settings)
    assert "hidden" not in printed
    parsed = tomllib.loads(printed)
    assert parsed["slack_bot_token"] == parsed["web_token"] == "********"
    assert parsed["database_url"] == "postgresql://u:********@db:5432/sevbot"
    assert parsed["policy"]["escalation"]["sev1"] == ["0s primary", "15m backup", "30m everyone"]
    assert parsed["policy"]["review_due"]["sev3"] == "none"
    assert masked_url("sqlite:///sevbot.db") == "sqlite:///sevbot.db"


def test_the_summary_names_platforms_store_rotations_and_public_url() -> None:
    """One line: which chat platforms, which store, how many rotations, the public URL."""
    settings = Settings(slack_bot_token="x", slack_app_token="y", public_url="https://s.example")
    line = summary_line(settings, "SQLite file /srv/sevbot.db")
    assert line == (
        "platforms: slack (Socket Mode); store: SQLite file /srv/sevbot.db; rotations: none; "
        "public URL: https://s.example"
    )


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"slack_bot_token": "x"}, "SLACK_SIGNING_SECRET"),
        ({"slack_app_token": "x"}, "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"),
        ({"slack_bot_token": "x", "slack_signing_secret": "s"}, None),
        ({}, None),
    ],
)
def test_settings_that_cannot_work_together(given: dict[str, str], problem: str | None) -> None:
    """A Slack bot token needs a way in, and a way in needs a bot token."""
    said = start_up_problem(Settings(**given))
    assert (said is None) if problem is None else (problem in (said or ""))
