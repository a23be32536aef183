"""Text cut to Discord's limits without breaking what it shows.

Discord counts characters as code points (github.com/discord/discord-api-docs issues/1315:
"the API calculates length based on the number of codepoints"), as Python's `len` does. A cut
falls at the last line break that fits, else at the last space, else between two characters;
never inside a mention (`<@…>`, `<@&…>`, `<#…>`), a custom emoji or timestamp (`<:name:id>`,
`<t:…>`), a link, a run of Markdown markers (`**`, `__`, `~~`, `||`, backticks), an inline code
span, a surrogate pair or an emoji sequence (before a combining mark, a variation selector, a
skin tone or after a zero-width joiner). A code block left open by a cut is closed.
"""

from __future__ import annotations

import re
import unicodedata

#: Spans a cut must not fall inside.
_TOKENS = re.compile(
    r"<(?:@[!&]?|#)\d+>"  # user, role and channel mentions
    r"|<a?:\w+:\d+>"  # custom emoji
    r"|<t:-?\d+(?::[tTdDfFR])?>"  # timestamps
    r"|https?://[^\s<>]+"  # links
    r"|`[^`\n]+`"  # inline code
    r"|(?:\*+|_+|~~+|\|\|+|`+)"  # runs of Markdown markers
)
_FENCE = "```"
_ZWJ = "\u200d"


def _glued(text: str, index: int) -> bool:
    """Whether a cut before `text[index]` would split one visible character in two."""
    after, before = text[index], text[index - 1]
    if "\udc00" <= after <= "\udfff" and "\ud800" <= before <= "\udbff":
        return True  # a surrogate pair (only in text that came in as UTF-16)
    if before == _ZWJ or after == _ZWJ:
        return True
    if unicodedata.category(after) in ("Mn", "Mc", "Me"):
        return True  # combining marks, variation selectors
    if "\U0001f3fb" <= after <= "\U0001f3ff":
        return True  # skin tones
    if not (_flag_half(before) and _flag_half(after)):
        return False
    run = 0  # regional indicators pair up into flags: inside a pair when an odd number precede
    while index - run - 1 >= 0 and _flag_half(text[index - run - 1]):
        run += 1
    return run % 2 == 1


def _flag_half(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _inside_tokens(text: str) -> set[int]:
    """The indices a cut must avoid: strictly inside a mention, link, code span or marker run."""
    blocked: set[int] = set()
    for match in _TOKENS.finditer(text):
        blocked.update(range(match.start() + 1, match.end()))
    return blocked


def cut_point(text: str, limit: int) -> int:
    """Where to cut `text` so the first part has at most `limit` characters (len if it fits):
    the last line break in the second half, else the last space there, else any line break,
    else the last place between two characters that splits nothing."""
    if len(text) <= limit:
        return len(text)
    blocked = _inside_tokens(text)

    def safe(index: int) -> bool:
        return index > 0 and index not in blocked and not _glued(text, index)

    newline = text.rfind("\n", 0, limit + 1)
    if newline > limit // 2:
        return newline  # the line break is dropped from the next part
    for index in range(limit, limit // 2, -1):
        if text[index - 1].isspace() and safe(index):
            return index
    if newline > 0:
        return newline
    for index in range(limit, 0, -1):
        if safe(index):
            return index
    return limit  # nothing safe at all (one 4,000-character link): cut it anyway


def closed(head: str) -> str:
    """`head`, the first part of a cut text, with a code block it leaves open closed."""
    return head + "\n" + _FENCE if head.count(_FENCE) % 2 else head


def clip(text: str, limit: int, marker: str = "…") -> str:
    """`text` within `limit` characters, cut where `cut_point` says and marked as cut."""
    if len(text) <= limit:
        return text
    return text[: cut_point(text, limit - len(marker))].rstrip() + marker
