"""slack-manifest.yml asks for what the adapter uses, at the one request URL it serves."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.http import PATH

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yml"


def values(key: str) -> list[str]:
    """Every `key: value` in the manifest (a flat read; PyYAML is not a dependency)."""
    pattern = re.compile(rf"^\s*-?\s*{re.escape(key)}:\s*(\S+)", re.MULTILINE)
    return pattern.findall(MANIFEST.read_text(encoding="utf-8"))


def listed(section: str) -> set[str]:
    """The `- item` lines under `section:` (up to the next key at the same depth)."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{section}:")
    depth = len(lines[start]) - len(lines[start].lstrip())
    items: set[str] = set()
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= depth:
            break
        if line.strip().startswith("- "):
            items.add(line.strip()[2:].split("#")[0].strip())
    return items


def test_commands_interactivity_and_events_share_the_request_url() -> None:
    """/incident and /oncall, interactivity and events all point at /slack/events."""
    assert values("command") == ["/incident", "/oncall"]
    urls = values("url") + values("request_url")
    assert len(urls) == 4
    assert all(url.endswith(PATH) for url in urls)
    assert values("should_escape") == ["true", "true"]  # mentions arrive as <@U…>
    assert values("is_enabled") == ["true"]


def test_scopes_and_events_cover_what_the_adapter_does() -> None:
    """Creating channels (private ones too), pinning, DMs, email lookups, files; pins, 📌 and
    messages in."""
    assert {
        "commands",
        "chat:write",
        "channels:manage",
        "groups:write",
        "channels:join",
        "channels:history",
        "im:write",
        "pins:write",
        "users:read.email",
        "files:write",
        "reactions:read",
        "usergroups:read",
    } <= listed("bot")
    assert listed("bot_events") == {
        "message.channels",
        "message.groups",
        "pin_added",
        "reaction_added",
    }


def test_the_readme_and_the_manifest_count_its_request_urls_right() -> None:
    """The README's setup steps and the manifest's own comment say how many request URLs the
    manifest has (four), and never another number."""
    count = len(values("url") + values("request_url"))
    word = {3: "three", 4: "four", 5: "five"}[count]
    readme = (MANIFEST.parent / "README.md").read_text(encoding="utf-8")
    for text in (readme, MANIFEST.read_text(encoding="utf-8")):
        said = re.findall(r"\b(\w+) (?:request URLs|URL lines|url / request_url)", text)
        assert said, "the count is not said"
        assert set(said) == {word}, said
