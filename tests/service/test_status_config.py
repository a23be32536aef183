"""`[status_page]` in sevbot.toml: components and the neutral title reach the core; bad ones are
refused naming the setting and what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from incidents.components import StatusPagePolicy
from incidents.severity import Severity


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SEVBOT_* variables from the developer's shell leak into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("SEVBOT_"):
            monkeypatch.delenv(name)


def _load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str) -> StatusPagePolicy:
    config = tmp_path / "sevbot.toml"
    config.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("SEVBOT_CONFIG", str(config))
    return load_settings().domain_policy().status_page


def test_components_and_the_default_title_reach_the_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The configured components (in page order) and title are the policy's."""
    policy = _load(
        monkeypatch,
        tmp_path,
        "[status_page]\n"
        'components = ["API", " Checkout ", "Dashboard"]\n'
        'default_title = "We are looking into an issue"\n'
        'public_severities = ["sev0", "sev1"]\n',
    )
    assert policy == StatusPagePolicy(
        components=("API", "Checkout", "Dashboard"),
        default_title="We are looking into an issue",
        public_severities=frozenset({Severity.SEV0, Severity.SEV1}),
    )


def test_without_the_section_there_are_no_components_and_a_neutral_title(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Nothing configured: no components, "Service disruption"."""
    policy = _load(monkeypatch, tmp_path, "")
    assert (policy.components, policy.default_title) == ((), "Service disruption")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (
            'components = ["API", "api"]',
            "component names must differ (ignoring case): ['API', 'api']",
        ),
        ('components = ["API,Checkout"]', "a component's name has no commas or quotes"),
        ('components = [" "]', "a component needs a name of 1 to 80 characters"),
        ('default_title = " "', "a title of 1 to 200 characters"),
    ],
)
def test_bad_status_page_settings_say_what_is_valid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, line: str, says: str
) -> None:
    """Each refusal names `status_page` and what would be valid."""
    with pytest.raises(ConfigError) as refused:
        _load(monkeypatch, tmp_path, f"[status_page]\n{line}\n")
    assert "status_page" in str(refused.value)
    assert says in str(refused.value)
