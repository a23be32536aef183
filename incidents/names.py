"""People's names as their chat platforms show them: cleaned where they enter, shown safely.

A person is an id (`slack:U0MARIA`); the platform knows the name people read: Slack's display
name (else the real name), a Discord server nickname (else the global display name). Chat
adapters hear or ask for it when someone acts, and the store keeps it (`PersonName`) until it
is stale. In chat, the platform's own mention shows the name, so chat messages keep `Mention`
parts; everywhere else (review drafts, the dashboard, terminals) a name replaces the id, and
a person whose name is not known yet reads as the id, as before (`@U0MARIA`).

A name is text its person chose, so it is hostile. Where it enters (`clean_name`): control,
bidi and zero-width characters go, whitespace folds to single spaces, and it is cut to
MAX_NAME characters. Where it is shown as plain text (`plain_name`), `@`, `<` and `>` become
look-alikes, so no name reads as a mention on any platform it is pasted into (`@everyone`,
`<@U1>`, `<!here>`); in Markdown (`markdown_name`) its markup characters are escaped too. HTML
escapes it as any text. Names are never prefixed with `@`: a person called `here` reads as
`here`, not `@here`.

The core does no I/O: whoever renders passes `Names`, a mapping from person to name read from
the store beforehand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from incidents.people import Person
from incidents.text import has_visible, strip_invisible

MAX_NAME = 80
"""Characters kept of a name (Slack allows 80 in a display name, Discord 32 in a nickname)."""
STALE_AFTER = timedelta(days=1)
"""How long a name is trusted before the platform is asked again."""

Names = Mapping[Person, str]
"""Who is called what: the port renderers read names through (a dict is one)."""
NO_NAMES: Names = MappingProxyType({})

# Look-alikes that ping nobody and open no markup: FULLWIDTH COMMERCIAL AT, SINGLE LEFT- and
# RIGHT-POINTING ANGLE QUOTATION MARK.
_INERT = str.maketrans({"@": "\uff20", "<": "\u2039", ">": "\u203a"})
# Markdown's inline markup (and GitHub's `$` math), escaped wherever it stands in a name.
_MARKUP = re.compile(r"[\\`*_\[\]|~&$]")
# What opens a block at the start of a line: a heading, a list item, a setext underline.
_BLOCK = re.compile(r"^(?:[#+=-]|\d+(?=[.)]))")
_TRAILING_JOINERS = "\u200c\u200d\ufe0e\ufe0f"


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonName:
    """A person's name as their platform showed it, and when it was last heard or asked for."""

    person: Person
    name: str
    refreshed_at: datetime

    def stale(self, now: datetime, max_age: timedelta = STALE_AFTER) -> bool:
        """True once the name is `max_age` old: the platform should be asked again."""
        return now - self.refreshed_at >= max_age


def clean_name(raw: object) -> str | None:
    """A name from a platform made fit to keep: no control, bidi or zero-width characters,
    spaces folded, at most MAX_NAME characters; None when nothing visible is left (or `raw`
    is not text)."""
    if not isinstance(raw, str):
        return None
    name = " ".join(strip_invisible(raw).split())
    if len(name) > MAX_NAME:
        name = name[:MAX_NAME].rstrip().rstrip(_TRAILING_JOINERS).rstrip()
    return name if has_visible(name) else None


def plain_name(person: Person | None, names: Names = NO_NAMES, *, empty: str = "nobody") -> str:
    """How a person reads in plain text: their name, inert (no `@`, `<` or `>`), else their
    handle (`@U0MARIA`); `empty` for nobody."""
    if person is None:
        return empty
    name = clean_name(names.get(person))
    if name is None:
        return Person(person).handle
    return name.translate(_INERT)


def markdown_name(person: Person | None, names: Names = NO_NAMES, *, empty: str = "nobody") -> str:
    """How a person reads in Markdown: `plain_name` with its markup escaped, so a name never
    makes emphasis, a link, a table cell, a heading or a list. A handle stays as it was."""
    if person is None or clean_name(names.get(person)) is None:
        return plain_name(person, names, empty=empty)
    escaped = _MARKUP.sub(lambda found: "\\" + found.group(0), plain_name(person, names))
    return _BLOCK.sub(lambda found: _escape_block(found.group(0)), escaped)


def _escape_block(opening: str) -> str:
    """`#` → `\\#`; `1` (of `1.`) → `1\\`, so the `.` after it is escaped."""
    return f"{opening}\\" if opening.isdigit() else f"\\{opening}"


__all__ = [
    "MAX_NAME",
    "NO_NAMES",
    "STALE_AFTER",
    "Names",
    "PersonName",
    "clean_name",
    "markdown_name",
    "plain_name",
]
