"""`sevbot simulate` as a team runs it: a real process, a scenario file, a config file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import cli

SCENARIO = """# a SEV-2 on Friday evening, acknowledged from Discord
at 2026-12-04T17:00:00Z
slack:U0MARIA /incident open sev2 Search is slow
+10m
discord:1234 in inc-1 /incident ack
slack:U0MARIA /oncall
"""

CONFIG = """
[[rotation]]
name = "maintainers"
members = ["discord:1234", "slack:U0LI"]
start = 2026-11-30
"""


def test_jsonl_has_every_step_message_and_reply_in_time_order(tmp_path: Path) -> None:
    """Each line is one object with at/kind/platform/to/incident/text, in time order; the page
    goes to the on-call person from --config as a direct message on their own platform."""
    (tmp_path / "friday.scenario").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "team.toml").write_text(CONFIG, encoding="utf-8")
    result = cli(
        "simulate",
        "friday.scenario",
        "--config",
        "team.toml",
        "--format",
        "jsonl",
        db=tmp_path / "never-created.db",
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(line) >= {"at", "kind", "platform", "to", "incident", "text"} for line in lines)
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)
    steps = [line for line in lines if line["kind"] == "step"]
    assert [(s["from"], s["to"]) for s in steps] == [
        ("slack:U0MARIA", "#general"),
        ("discord:1234", "#inc-1-search-is-slow"),
        ("slack:U0MARIA", "#general"),
    ]
    page = next(line for line in lines if line["kind"] == "page")
    assert (page["platform"], page["to"], page["incident"]) == ("discord", "discord:1234", 1)
    summary = next(line for line in lines if line["kind"] == "summary")
    assert (summary["platform"], summary["to"]) == ("slack", "#inc-1-search-is-slow")
    oncall = [line for line in lines if line["kind"] == "oncall"]
    assert oncall
    assert oncall[-1]["to"] == "slack:U0MARIA"
    assert not (tmp_path / "never-created.db").exists()  # the rehearsal's store is thrown away


def test_text_is_the_transcript_people_read(tmp_path: Path) -> None:
    """The default format is the demo's: times, short channel labels, who typed what."""
    (tmp_path / "friday.scenario").write_text(SCENARIO, encoding="utf-8")
    result = cli("simulate", "friday.scenario", db=tmp_path / "x.db")
    assert result.returncode == 0, result.stderr
    assert "17:00  #general          @U0MARIA: /incident open sev2 Search is slow" in result.stdout
    assert "17:10  #inc-1-search-i…  @1234: /incident ack" in result.stdout


def test_a_bad_step_stops_before_anything_runs(tmp_path: Path) -> None:
    """A bad line: `FILE:LINE: what is wrong …` on stderr, exit 2, nothing printed."""
    (tmp_path / "bad.scenario").write_text(
        "at 2026-12-04T17:00:00Z\nslack:U1 /incident open sev1 Down\n+5 minutes\n",
        encoding="utf-8",
    )
    result = cli("simulate", "bad.scenario", db=tmp_path / "x.db")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("bad.scenario:3: `5 minutes` is not a duration like 45s")


def test_a_missing_config_is_refused(tmp_path: Path) -> None:
    """--config naming no file: one line, exit 2."""
    (tmp_path / "ok.scenario").write_text("at 2026-12-04T17:00:00Z\n", encoding="utf-8")
    result = cli("simulate", "ok.scenario", "--config", "nope.toml", db=tmp_path / "x.db")
    assert result.returncode == 2
    assert "--config: no file at `nope.toml`" in result.stderr
