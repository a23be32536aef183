"""`[[alert_source]]` and `[[heartbeat]]` in sevbot.toml, as the issue writes them, and the
start-up errors that name what is wrong."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from incidents.severity import Severity

ISSUE_EXAMPLE = """
[[rotation]]
name = "maintainers"
members = ["console:sam", "console:li"]
start = 2026-01-05

[[alert_source]]
name = "prometheus"
kind = "alertmanager"                 # or "events"
token_env = "SEVBOT_ALERT_TOKEN_PROMETHEUS"
severity_label = "severity"           # the label (or Events payload.severity) to map
severities = { critical = "sev1", error = "sev2", warning = "sev3" }
open_incident = ["sev0", "sev1", "sev2"]   # others post an alert card and page, no incident
rotation = "maintainers"              # who is paged (default: the `page` rule)
auto_resolve = false                  # resolve the incident when all its alerts resolve,
                                      # if no person has acknowledged it
max_incidents_per_minute = 5          # storm guard

[[heartbeat]]
name = "prometheus-watchdog"
token_env = "SEVBOT_HEARTBEAT_TOKEN"
expect_every = "5m"
grace = "2m"
severity = "sev1"
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SEVBOT_* variables from the developer's shell; the tokens set."""
    for name in list(os.environ):
        if name.startswith("SEVBOT_") or name == "PORT":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SEVBOT_ALERT_TOKEN_PROMETHEUS", "t1")
    monkeypatch.setenv("SEVBOT_HEARTBEAT_TOKEN", "t2")


def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Write `text` as sevbot.toml and point SEVBOT_CONFIG at it."""
    path = tmp_path / "sevbot.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(path))


def test_the_issues_example_reads_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every field of the example is read: severities, threshold, rotation, storm guard,
    heartbeat timings."""
    configure(tmp_path, monkeypatch, ISSUE_EXAMPLE)
    settings = load_settings()
    (source,) = settings.alert_source
    rules = source.rules()
    assert (source.kind, source.token()) == ("alertmanager", "t1")
    assert rules.severities == {
        "critical": Severity.SEV1,
        "error": Severity.SEV2,
        "warning": Severity.SEV3,
    }
    assert rules.open_incident == {Severity.SEV0, Severity.SEV1, Severity.SEV2}
    assert (rules.rotation, rules.auto_resolve, rules.max_incidents_per_minute) == (
        "maintainers",
        False,
        5,
    )
    assert not rules.silences
    (beat,) = settings.heartbeat
    assert beat.rules().expect_every == timedelta(minutes=5)
    assert beat.rules().grace == timedelta(minutes=2)
    assert beat.rules().severity is Severity.SEV1


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('rotation = "maintainers"', 'rotation = "sre"'), "rotation `sre` is not a configured"),
        (('error = "sev2"', 'error = "sev9"'), "Unknown severity `sev9`"),
        (('kind = "alertmanager"', 'kind = "pagerduty"'), "alertmanager"),
        (('expect_every = "5m"', 'expect_every = "soon"'), "is not a duration"),
        (('name = "prometheus-watchdog"', 'name = "prometheus"'), "must be unique"),
        (("max_incidents_per_minute = 5", "max_incidents_per_minute = 0"), "greater than"),
    ],
)
def test_a_bad_value_stops_start_up_saying_what_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], said: str
) -> None:
    """A wrong rotation, severity, kind, duration, a name used twice or a zero limit."""
    configure(tmp_path, monkeypatch, ISSUE_EXAMPLE.replace(*change))
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert said in str(refused.value)


def test_a_missing_token_variable_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """token_env names a variable that is not set: start-up says which."""
    monkeypatch.delenv("SEVBOT_HEARTBEAT_TOKEN")
    configure(tmp_path, monkeypatch, ISSUE_EXAMPLE)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "SEVBOT_HEARTBEAT_TOKEN (its token_env) is not set" in str(refused.value)


GITHUB_EXAMPLE = """
[[alert_source]]
name = "github"
kind = "github"
secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"
branches = ["main"]
severities = { critical = "sev0", high = "sev1", ci_failure = "sev2", medium = "digest:daily", low = "digest:weekly" }
"""


def test_the_github_source_reads_as_the_issue_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kind github: the secret from secret_env, the branches, severities and digests; it
    resolves by itself (the next green run)."""
    monkeypatch.setenv("SEVBOT_GITHUB_WEBHOOK_SECRET", "s3")
    configure(tmp_path, monkeypatch, GITHUB_EXAMPLE)
    (source,) = load_settings().alert_source
    github = source.github_rules()
    assert (source.token(), github.branches) == ("s3", ("main",))
    assert source.rules().severities == {
        "critical": Severity.SEV0,
        "high": Severity.SEV1,
        "ci_failure": Severity.SEV2,
    }
    assert {k: str(v) for k, v in github.levels.items() if not isinstance(v, Severity)} == {
        "medium": "daily",
        "low": "weekly",
    }
    assert source.rules().auto_resolve


def test_the_github_defaults_are_the_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without branches and severities: every repository's default branch, and the mapping
    critical sev0, high sev1, ci_failure sev2, medium daily, low weekly."""
    monkeypatch.setenv("SEVBOT_GITHUB_WEBHOOK_SECRET", "s3")
    text = GITHUB_EXAMPLE.replace('branches = ["main"]\n', "").split("severities")[0]
    configure(tmp_path, monkeypatch, text)
    (source,) = load_settings().alert_source
    assert source.branches is None
    assert source.severities == {
        "critical": "sev0",
        "high": "sev1",
        "ci_failure": "sev2",
        "medium": "digest:daily",
        "low": "digest:weekly",
    }


def test_a_missing_github_secret_stops_start_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """secret_env names a variable that is not set: one line naming it."""
    configure(tmp_path, monkeypatch, GITHUB_EXAMPLE)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    said = str(refused.value)
    assert "SEVBOT_GITHUB_WEBHOOK_SECRET (its secret_env) is not set" in said
    assert "\n" not in said


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('"digest:daily"', '"digest:hourly"'), "use digest:daily or digest:weekly"),
        (("ci_failure =", "cifail ="), "severities has no level cifail"),
        (('secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"\n', ""), "needs secret_env"),
        (('kind = "github"', 'kind = "alertmanager"'), "token_env"),
    ],
)
def test_a_bad_github_source_stops_start_up_saying_what_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple[str, str], said: str
) -> None:
    """An unknown digest or level, no secret, or GitHub's keys on another kind."""
    monkeypatch.setenv("SEVBOT_GITHUB_WEBHOOK_SECRET", "s3")
    configure(tmp_path, monkeypatch, GITHUB_EXAMPLE.replace(*change))
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert said in str(refused.value)
