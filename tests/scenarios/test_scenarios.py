"""Every scenario under tests/scenarios/ plays to its expected transcript (`<name>.expected`).

`SEVBOT_UPDATE_GOLDEN=1` rewrites the expected files; read the diff before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.config import Settings
from bot.local import DEMO_ROTATION, demo_scenario, run_simulation
from bot.scenario import parse_scenario
from tests.scenarios.harness import HERE, transcript

SCENARIOS = sorted(HERE.glob("*.scenario"))


def test_there_are_scenarios() -> None:
    """The suite finds the scenario files, so the golden check below is not vacuous."""
    assert len(SCENARIOS) >= 8


def _check(expected: Path, actual: str) -> None:
    if os.environ.get("SEVBOT_UPDATE_GOLDEN") == "1":
        expected.write_text(actual, encoding="utf-8")
    if not expected.exists():
        pytest.fail(f"{expected.name} is missing; write it with SEVBOT_UPDATE_GOLDEN=1")
    assert actual == expected.read_text(encoding="utf-8")


async def test_the_shipped_demo_plays_to_its_expected_transcript() -> None:
    """`sevbot demo` is the shipped scenario with the demo's rotation."""
    steps = parse_scenario(demo_scenario(), "demo.scenario")
    out = io.StringIO()
    settings = Settings(database_url="sqlite:///unused.db", rotation=[DEMO_ROTATION])
    assert await run_simulation(settings, steps, out) == 0
    _check(HERE / "shipped-demo.expected", out.getvalue())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
async def test_scenario_plays_to_its_expected_transcript(scenario: Path) -> None:
    """The text transcript is exactly the expected one."""
    _check(scenario.with_suffix(".expected"), await transcript(scenario))
