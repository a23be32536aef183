"""Discord mention markup in `/oncall` text becomes the core's neutral `@discord:<id>`."""

from __future__ import annotations

import pytest

from adapters.discord.parse import neutral_text
from incidents.oncall.parser import SwapShifts, parse_oncall


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("swap <@1300000000000000005> 2026-12-14", "swap @discord:1300000000000000005 2026-12-14"),
        ("swap <@!42> 2026-12-14", "swap @discord:42 2026-12-14"),
        ("override <@1> <@!2>", "override @discord:1 @discord:2"),
        ("ping <@&1300000000000000005>", "ping @discord-role:1300000000000000005"),
    ],
)
def test_user_mentions_become_neutral_tokens(text: str, neutral: str) -> None:
    """`<@id>` and the older nickname form `<@!id>` both read as `@discord:<id>`; a role
    `<@&id>` as `@discord-role:<id>`, which the core refuses wherever one person is meant."""
    assert neutral_text(text) == neutral


@pytest.mark.parametrize(
    "text",
    ["schedule 4", "see <#42>", "x<@42>", "x<@&42>", "<@42>, thanks", "@sam", "@everyone"],
)
def test_anything_else_is_left_as_typed(text: str) -> None:
    """Channel mentions, mentions glued to other text and plain words stay as typed."""
    assert neutral_text(text) == text


def test_the_core_reads_the_rewritten_text_as_the_discord_user() -> None:
    """A mention typed in `/oncall swap` names that Discord user once rewritten."""
    request = parse_oncall(neutral_text("swap <@!42> 2026-12-14"), "discord", ("sre",))
    assert isinstance(request, SwapShifts)
    assert request.person == "discord:42"
    assert request.person.platform == "discord"
