"""Hostile user text at the core's own maximum lengths, for the platform-limits contract test:
`&` runs, user and role mentions, @everyone and @here, emoji sequences, right-to-left scripts
and Markdown, each text exactly as long as the core accepts (`incidents.decision.MAX_TEXT`,
`incidents.handlers.MAX_TITLE`)."""

from __future__ import annotations

from incidents.decision import MAX_TEXT, clean
from incidents.handlers import MAX_TITLE

EVE = 1300000000000000777  # someone nobody means to ping
ROLE = 1399999999999999999
PIECES = (
    "&&&&&&&& ",
    f"<@{EVE}> ",
    f"<@!{EVE}> ",
    f"<@&{ROLE}> ",
    "@everyone ",
    "@here ",
    "👩🏽‍💻 ",
    "🇺🇦 ",
    "مرحبا بالعالم ",
    "שלום עולם ",
    "**bold** ",
    "__under__ ",
    "~~gone~~ ",
    "||spoiler|| ",
    "`code` ",
    "[link](https://example.com/a_b*c) ",
    "<#1300000000000000001> ",
    "<t:1700000000:R> ",
)
BLOCK = "\n```py\nprint('&&' * 3)\n```\n> quoted @here\n# heading\n"


def hostile(size: int = MAX_TEXT, *, lines: bool = True, start: int = 0) -> str:
    """Exactly `size` characters (after the core's `clean`) of the pieces above, from piece
    `start` on; with `lines`, code blocks, quotes and headings between them."""
    parts: list[str] = []
    length = 0
    index = start
    while length < size - 40:
        piece = PIECES[index % len(PIECES)]
        if lines and index % 7 == 6:
            piece += BLOCK
        parts.append(piece)
        length += len(piece)
        index += 1
    text = "".join(parts).rstrip()
    text += "&" * (size - len(text))
    text = text[:size]
    assert clean(text) == text, "the core would change this text"
    return text


def ampersands(size: int = MAX_TEXT) -> str:
    """`size` `&` characters: what HTML-escaping renderers turn into `&amp;`."""
    return "&" * size


def title(start: int = 0) -> str:
    """The longest title the core accepts, on one line."""
    return hostile(MAX_TITLE, lines=False, start=start)


def readable(text: str) -> str:
    """What a person sees of posted text: the zero-width spaces that break mentions removed."""
    return text.replace("\u200b", "")
