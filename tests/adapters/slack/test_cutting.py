"""Cutting text to Slack's limits (pure): never inside an entity, a `<…>` token or a character;
at a line break if possible, else at a space; a body too long for one message says so."""

from __future__ import annotations

import re

from adapters.slack.render import MAX_BLOCKS, SECTION_LIMIT, render
from adapters.slack.text import atoms, clip, split, units
from incidents.messages import Audience, Button, Mention, Message, MessageKind
from incidents.people import Person

FAMILY = "👩\u200d👩\u200d👧\u200d👦"  # one person-visible character, eleven UTF-16 units
FLAG = "🇺🇦"
ACCENT = "e\u0301"  # é as e + combining acute
THUMB = "👍🏽"


def whole(piece: str) -> bool:
    """No entity, `<…>` token or character of `piece` is cut at either end."""
    entity_cut = re.search(r"&[a-z]{0,3}$", piece) or re.match(r"^[a-z]{1,3};", piece)
    token_cut = piece.count("<") != piece.count(">")
    joined_cut = piece[-1] in "\u200d\u2060" or piece[0] in "\u200d\u0301\U0001f3fd"
    return not (entity_cut or token_cut or joined_cut)


def test_units_are_utf16_code_units() -> None:
    """An astral emoji is two units, `&amp;` five, a combining accent one more."""
    assert units("😀") == 2
    assert units("&amp;") == 5
    assert units(ACCENT) == 2
    assert units(FAMILY) == 11


def test_atoms_keep_entities_tokens_and_characters_whole() -> None:
    """Entities, mentions, links and grapheme clusters are single atoms."""
    text = f"a&amp;<@U0SAM><https://x.example|x>{FAMILY}{FLAG}{ACCENT}{THUMB}@\u2060here"
    assert atoms(text) == [
        "a",
        "&amp;",
        "<@U0SAM>",
        "<https://x.example|x>",
        FAMILY,
        FLAG,
        ACCENT,
        THUMB,
        "@\u2060h",
        "e",
        "r",
        "e",
    ]


def test_three_thousand_escaped_ampersands_split_between_entities() -> None:
    """3,000 `&` escape to 15,000 characters: every piece fits and ends on a whole `&amp;`."""
    escaped = "&amp;" * 3000
    pieces = split(escaped, SECTION_LIMIT)
    assert "".join(pieces) == escaped
    assert all(units(p) <= SECTION_LIMIT and p.count("&amp;") * 5 == len(p) for p in pieces)


def test_mentions_links_and_astral_characters_are_never_split() -> None:
    """Whatever the mix, each piece fits and starts and ends on a whole atom."""
    unit = f"<@U0SAM>&lt;!channel&gt;{FAMILY}<https://e.example/a|label>{FLAG}{ACCENT}{THUMB}"
    text = unit * 400
    for limit in (3000, 2999, 150, 75):
        pieces = split(text, limit)
        assert "".join(pieces) == text
        assert all(units(p) <= limit and whole(p) for p in pieces), limit


def test_cuts_prefer_line_breaks_then_spaces() -> None:
    """A line break that fits wins over a later space; a space over a cut inside a word."""
    lines = "\n".join(["word " * 100] * 30)
    pieces = split(lines, 3000)
    assert all(p.endswith("word ") or p.endswith("word") for p in pieces)
    assert all(p.startswith("word") for p in pieces)
    assert "".join(p + "\n" for p in pieces).count("word") == 3000
    assert split("aaa bbb ccc", 8) == ["aaa bbb", "ccc"]
    assert split("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_clip_marks_the_cut_and_keeps_atoms_whole() -> None:
    """A clipped text ends with `…`, fits, and ends on a whole entity or character."""
    assert clip("short", 10) == "short"
    clipped = clip("&amp;" * 100, 150)
    assert clipped.endswith("…")
    assert units(clipped) <= 150
    assert clipped[:-1].count("&amp;") * 5 == len(clipped) - 1
    assert clip(FAMILY * 20, 24) == FAMILY * 2 + "…"
    assert clip("Status update #123456789012", 24) == "Status update…"
    assert clip("Status update for incident 42", 24) == "Status update for…"


def hostile_note(length: int = 3000) -> str:
    """A note as long as the core allows, of what escapes worst."""
    return "&" * length


def test_a_long_escaped_body_becomes_sections_without_broken_entities() -> None:
    """A 3,000-`&` note: five sections of whole entities; the fallback ends on one, with `…`."""
    message = Message(
        kind=MessageKind.NOTE, audience=Audience.INCIDENT, text=(hostile_note(),), incident=4
    )
    rendered = render(message)
    sections = [b["text"]["text"] for b in rendered.blocks if b["type"] == "section"]
    assert "".join(sections) == "&amp;" * 3000
    assert all(len(s) <= SECTION_LIMIT and s.count("&amp;") * 5 == len(s) for s in sections)
    assert rendered.text.endswith("…")
    assert units(rendered.text) <= 3000
    assert rendered.text[:-1].count("&amp;") * 5 == len(rendered.text) - 1
    assert not rendered.cut


def test_a_body_over_fifty_blocks_is_cut_and_says_where_the_rest_is() -> None:
    """Buttons and context stay; the last section says the rest did not fit, and where."""
    lines = "\n".join(f"{i:04d} " + "x" * 290 for i in range(600))  # about 180,000 characters
    message = Message(
        kind=MessageKind.TIMELINE,
        audience=Audience.REPLY,
        text=(lines, Mention(Person("slack:U0SAM"))),
        incident=7,
        title="Timeline",
        buttons=(Button.ACKNOWLEDGE,),
    )
    rendered = render(message, rest_at="<https://sevbot.example/incidents/7|the dashboard>")
    assert rendered.cut
    assert len(rendered.blocks) == MAX_BLOCKS
    assert [b["type"] for b in rendered.blocks[-2:]] == ["context", "actions"]
    note = rendered.blocks[-3]["text"]["text"]
    assert note.startswith("✂️ _Cut here: about ")
    assert note.endswith("The rest: <https://sevbot.example/incidents/7|the dashboard>.")
    assert rendered.blocks[1]["text"]["text"].startswith("0000 ")
