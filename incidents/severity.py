"""Severities SEV-0 (worst) to SEV-3, and parsing of the ways people write them."""

from __future__ import annotations

import enum
import re

from incidents.errors import UnknownSeverity


class Severity(enum.IntEnum):
    """How bad an incident is; a lower number is worse."""

    SEV0 = 0
    SEV1 = 1
    SEV2 = 2
    SEV3 = 3

    @property
    def label(self) -> str:
        """The label people read, e.g. `SEV-1`."""
        return f"SEV-{self.value}"

    @property
    def token(self) -> str:
        """The short form the command language uses, e.g. `sev1`."""
        return f"sev{self.value}"

    @property
    def emoji(self) -> str:
        """A colour cue: red for SEV-0/1, orange for SEV-2, yellow for SEV-3."""
        return {0: "🔴", 1: "🔴", 2: "🟠", 3: "🟡"}[self.value]


_SEVERITY_PATTERN = re.compile(r"^(?:sev(?:erity)?[\s_-]*|p)?([0-9]{1,3})$", re.IGNORECASE)


def parse_severity(text: str, *, example: str | None = None) -> Severity:
    """Parse `sev1`, `SEV-1`, `Sev 1`, `1`, `p1` or `P1` (P0-P3 map to SEV-0..3). The error
    shows `example` (the command being typed, done right) when one is given."""
    match = _SEVERITY_PATTERN.match(text.strip())
    if match is not None:
        level = int(match.group(1))
        if 0 <= level <= 3:
            return Severity(level)
    raise UnknownSeverity(text, example)
