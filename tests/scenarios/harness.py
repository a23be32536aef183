"""Run a scenario file the way `sevbot simulate` does, in-process, and read its transcript."""

from __future__ import annotations

import asyncio
import io
import json
import tomllib
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.local import run_simulation
from bot.scenario import parse_scenario

HERE = Path(__file__).parent


def settings_for(scenario: Path) -> Settings:
    """The scenario's `<name>.toml` beside it (a sevbot.toml), else the defaults."""
    config = scenario.with_suffix(".toml")
    values: dict[str, Any] = {}
    if config.exists():
        values = tomllib.loads(config.read_text(encoding="utf-8"))
    return Settings(database_url="sqlite:///unused.db", **values)


async def transcript(scenario: Path, fmt: str = "text") -> str:
    """What `sevbot simulate SCENARIO --format fmt` prints for this scenario."""
    text = await asyncio.to_thread(scenario.read_text, encoding="utf-8")
    steps = parse_scenario(text, scenario.name)
    out = io.StringIO()
    await run_simulation(settings_for(scenario), steps, out, fmt=fmt)
    return out.getvalue()


async def events(scenario: Path) -> list[dict[str, Any]]:
    """The scenario's JSON-lines transcript, parsed."""
    return [json.loads(line) for line in (await transcript(scenario, "jsonl")).splitlines()]
