"""Cutting text to Discord's limits: at a line break or a space, never inside a mention, a link,
a Markdown marker or an emoji sequence; a code block left open is closed (pure)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.fit import clip, closed, cut_point

MENTION = "<@1300000000000000005>"
FAMILY = "👩🏽‍💻"  # woman, skin tone, zero-width joiner, laptop: one emoji, four code points
PIECES = [
    MENTION,
    "<@&1399999999999999999>",
    "<:sevbot:1300000000000000009>",
    "<t:1700000000:R>",
    FAMILY,
    "🇺🇦",
    "e\u0301",  # e and a combining accent
    "https://example.com/a_b*c",
    "**",
    "||",
    "`code`",
    "&&&",
    "مرحبا",
    "x",
    " ",
    "\n",
]
TOKEN = re.compile(
    r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|<t:\d+:R>|https?://[^\s<>]+|`[^`\n]+`|\*+|\|\|+"
)


def test_text_that_fits_is_not_cut() -> None:
    """Within the limit, the cut is the end."""
    assert cut_point("short", 10) == 5


def test_a_line_break_in_the_second_half_wins() -> None:
    """The last line break that fits, when it keeps more than half."""
    text = "a" * 60 + "\n" + "b b b " * 20
    assert cut_point(text, 80) == 60


def test_else_the_last_space() -> None:
    """Without a late line break, the last space that fits."""
    text = "word " * 30
    at = cut_point(text, 42)
    assert at <= 42
    assert text[at - 1] == " "


def test_never_inside_a_mention() -> None:
    """A limit falling inside `<@…>` cuts before it."""
    text = "x" * 30 + MENTION + "y" * 30
    assert cut_point(text, 40) == 30


def test_never_inside_an_emoji_sequence() -> None:
    """A run of joined emoji is cut between two whole emoji."""
    text = FAMILY * 20
    at = cut_point(text, 30)
    assert at % len(FAMILY) == 0


def test_a_code_block_left_open_is_closed() -> None:
    """An odd number of fences gets its closing fence."""
    assert closed("text\n```py\nprint(1)") == "text\n```py\nprint(1)\n```"
    assert closed("```a```") == "```a```"


def test_clip_marks_the_cut_and_keeps_the_limit() -> None:
    """A clipped text ends with an ellipsis and stays within the limit."""
    clipped = clip("word " * 100, 50)
    assert len(clipped) <= 50
    assert clipped.endswith("word…")


def spec_safe(text: str, at: int) -> bool:
    """A cut before `text[at]` splits no token, no emoji sequence and no flag."""
    if any(m.start() < at < m.end() for m in TOKEN.finditer(text)):
        return False
    if text[at] in "\u200d\U0001f3fd\u0301" or text[at - 1] == "\u200d":
        return False
    flags = len(text[:at]) - len(text[:at].rstrip("\U0001f1e6\U0001f1fa"))
    return not (flags % 2 and text[at] in "\U0001f1e6\U0001f1fa")


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=200), st.integers(5, 400))
def test_any_cut_splits_nothing(pieces: list[str], limit: int) -> None:
    """Whatever the text, the first part fits and splits no token, emoji or flag, unless no
    place up to the limit would do."""
    text = "".join(pieces)
    at = cut_point(text, limit)
    if len(text) <= limit:
        assert at == len(text)
        return
    assert 0 < at <= limit
    assert spec_safe(text, at) or not any(spec_safe(text, i) for i in range(1, limit + 1))
