"""Incident channel names: `inc-<number>-<slug>`, valid on Slack and Discord."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALLOWED = re.compile(r"[^a-z0-9_]+")


def slug(title: str) -> str:
    """Lowercase a-z 0-9 - _ only; accents folded, any other run of characters one dash."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", folded.lower()).strip("-_")


def channel_name(number: int, title: str, max_length: int = 80, suffix: str = "") -> str:
    """`inc-42-checkout-is-failing`, cut to `max_length`; `suffix` keeps equal titles unique.

    The incident number already makes names unique per incident; `suffix` is for a name that
    is taken on the platform by something else. A title with no usable characters (emoji,
    non-Latin scripts) still gives a valid name, `inc-42`.
    """
    head = f"inc-{number}"
    tail = f"-{slug(suffix)[:16]}" if slug(suffix) else ""
    room = max_length - len(head) - len(tail) - 1
    body = slug(title)[: max(room, 0)].rstrip("-_")
    return f"{head}-{body}{tail}" if body else f"{head}{tail}"
