"""Text hygiene: control, bidi and zero-width characters out of what people typed.

Text the core keeps is shown again in chat, on the status page and in terminals, and must read
there as it is. A bidi override (U+202E) in a title reverses what follows it, a zero-width space
makes `sam` and `s\u200bam` two names that look alike, a control character can rewrite a
terminal, and a title of only invisible characters is a blank line. So these are removed where
text enters the core: titles, status updates, notes, action items, summaries and identities.

Letters of every script and emoji stay. The joiners U+200C and U+200D stay where they shape
something, between two visible non-ASCII characters: emoji sequences (👩‍💻, 🏳️‍🌈) and
Persian or Indic spelling (می‌خواهم); anywhere else they are removed, and identities keep none.
Tag characters stay only inside a flag sequence (🏴󠁧󠁢󠁳󠁣󠁴󠁿), where they name the flag.
"""

from __future__ import annotations

import unicodedata

_KEPT_CONTROLS = frozenset("\n\t")
_JOINERS = frozenset("\u200c\u200d")
_BLACK_FLAG = "\U0001f3f4"
_TAGS = range(0xE0020, 0xE0080)
# Format characters that draw a visible sign (Unicode's Prepended_Concatenation_Mark).
_VISIBLE_FORMATS = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# Letters and symbols that draw nothing: Hangul fillers and the blank braille pattern.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def strip_invisible(text: str, *, keep_joiners: bool = True) -> str:
    """`text` without control (newline and tab stay), bidi, zero-width and other format
    characters; with `keep_joiners=False` no joiner stays either, even inside an emoji."""
    if text.isascii():
        if text.isprintable():  # the common case: nothing to remove
            return text
        return "".join(ch for ch in text if " " <= ch < "\x7f" or ch in _KEPT_CONTROLS)
    kept: list[str] = []
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category not in ("Cc", "Cf", "Cs") or ch in _KEPT_CONTROLS or ch in _VISIBLE_FORMATS:
            kept.append(ch)
        elif ch in _JOINERS:
            following = text[index + 1] if index + 1 < len(text) else ""
            if keep_joiners and kept and _joinable(kept[-1]) and _joinable(following):
                kept.append(ch)
        elif ord(ch) in _TAGS and kept and (kept[-1] == _BLACK_FLAG or ord(kept[-1]) in _TAGS):
            kept.append(ch)
    return "".join(kept)


def _joinable(ch: str) -> bool:
    """A visible non-ASCII character a joiner may stand beside (an emoji, a letter, a mark)."""
    if not ch or ch.isascii():
        return False
    return unicodedata.category(ch)[0] in "LMNS" or unicodedata.category(ch) in ("Co", "Cn")


def has_visible(text: str) -> bool:
    """True when `text` shows at least one character: a letter, digit, punctuation or symbol
    (not a space, a lone combining mark, an invisible character or a blank-drawing filler)."""
    for ch in text:
        if ch.isascii():
            if "!" <= ch <= "~":
                return True
            continue
        category = unicodedata.category(ch)
        visible = category[0] in "LNPS" or category in ("Co", "Cn")
        if visible and ch not in _BLANK:
            return True
    return False


__all__ = ["has_visible", "strip_invisible"]
