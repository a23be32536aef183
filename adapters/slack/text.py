"""Cutting Slack text to Slack's limits without breaking it: pure functions.

A cut never falls inside an HTML entity (`&amp;`), a `<…>` token (`<@U…>`, `<#C…>`, `<!here>`,
`<https://…|label>`) or a user-perceived character (a surrogate pair in UTF-16 terms, a base with
its combining marks, an emoji with its modifiers and joiners, a flag's two regional indicators).
Where it can, a cut falls at a line break, else at a space.

Slack states its limits in "characters" without saying how it counts them, so lengths here are
UTF-16 code units of the text as sent (`&amp;` is five, an astral emoji two): never less than
the count in code points, so a piece that fits here fits either way.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
_TOKEN = re.compile(r"&[#A-Za-z0-9]{1,10};|<[^<>]*>")
_JOINERS = frozenset({"\u200d", "\u2060"})  # zero-width joiner; word joiner (see render.defang)


def units(text: str) -> int:
    """Slack length of `text`: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _extends(char: str) -> bool:
    """Whether `char` belongs to the character before it (a mark, selector or modifier)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji / text presentation)
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def atoms(text: str) -> list[str]:
    """`text` as the pieces a cut must keep whole: entities, `<…>` tokens, characters."""
    pieces: list[str] = []
    index, end = 0, len(text)
    while index < end:
        token = _TOKEN.match(text, index) if text[index] in "&<" else None
        if token is not None:
            pieces.append(token.group())
            index = token.end()
            continue
        start = index
        index += 1
        if _regional(text[start]) and index < end and _regional(text[index]):
            index += 1  # a flag is two regional indicators
        while index < end and (
            _extends(text[index])
            or text[index] in _JOINERS
            or (text[index - 1] in _JOINERS and text[index] not in "&<")
        ):
            index += 1
        pieces.append(text[start:index])
    return pieces


def split(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` units, none of them blank: cut at the last line break
    that fits, else the last space (the break or space itself is dropped), else between atoms."""
    if units(text) <= limit:  # what nearly every message is: nothing to cut
        return [text] if text.strip() else [" "]
    parts = atoms(text)
    pieces: list[str] = []
    start = 0
    while start < len(parts):
        size, end, line, space = 0, start, -1, -1
        while end < len(parts) and size + units(parts[end]) <= limit:
            size += units(parts[end])
            if parts[end] == "\n":
                line = end
            elif parts[end] == " ":
                space = end
            end += 1
        if end == len(parts):
            pieces.append("".join(parts[start:]))
            break
        if end == start:  # one atom longer than the limit (never made by render): cut inside it
            head, tail = _hard_cut(parts[start], limit)
            pieces.append(head)
            parts[start] = tail
            continue
        if parts[end] in ("\n", " "):
            cut = end
        elif line > start:
            cut = line
        elif space > start:
            cut = space
        else:
            pieces.append("".join(parts[start:end]))
            start = end
            continue
        pieces.append("".join(parts[start:cut]))
        start = cut + 1
    return [piece for piece in pieces if piece.strip()] or [" "]


def _hard_cut(atom: str, limit: int) -> tuple[str, str]:
    """The longest start of `atom` within `limit` units that ends on a whole code point."""
    size = 0
    for index, char in enumerate(atom):
        size += units(char)
        if size > limit:
            return atom[: max(index, 1)], atom[max(index, 1) :]
    return atom, ""


def clip(text: str, limit: int, mark: str = ELLIPSIS) -> str:
    """`text` if it fits in `limit` units; else its start, cut at a space when one is near the
    end (within its last fifth, or ten characters), else between atoms, followed by `mark`."""
    if units(text) <= limit:
        return text
    room = limit - units(mark)
    kept: list[str] = []
    size = 0
    for part in atoms(text):
        if size + units(part) > room:
            break
        kept.append(part)
        size += units(part)
    spaces = [i for i, part in enumerate(kept) if part in (" ", "\n")]
    if spaces and spaces[-1] >= min(len(kept) * 4 // 5, len(kept) - 10):
        kept = kept[: spaces[-1]]
    return "".join(kept).rstrip() + mark
