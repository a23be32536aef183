"""Domain errors. Each one says what went wrong and what would have been valid."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `message` is polite and says what would have been valid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _with_example(text: str, example: str | None) -> str:
    """`text.`, or `text, e.g. `example`.` when a command was being typed."""
    return f"{text}, e.g. `{example}`." if example else f"{text}."


class UnknownSeverity(DomainError):
    """A severity that is not SEV-0..SEV-3; `example`: the command being typed, done right
    (none in a configuration file)."""

    def __init__(self, text: str, example: str | None = None) -> None:
        self.text = text
        super().__init__(
            _with_example(
                f"Unknown severity `{text.strip() or ' '}`. Use sev0, sev1, sev2 or sev3 "
                "(p0-p3 work too)",
                example,
            )
        )


class UnknownPhase(DomainError):
    """A phase name the domain does not know; `example` as for `UnknownSeverity`."""

    def __init__(self, text: str, valid: tuple[str, ...], example: str | None = None) -> None:
        self.text = text
        super().__init__(
            _with_example(f"Unknown phase `{text}`. Use one of: {', '.join(valid)}", example)
        )


class NotAllowedInPhase(DomainError):
    """A phase transition or command the incident's current phase does not allow."""


class NotPermitted(DomainError):
    """The actor may not do this (for example, only the incident commander may force a close)."""


class InvalidCommand(DomainError):
    """Text that is not a valid command of the command language."""


class IncidentNotFound(DomainError):
    """No incident has that number, or the command was not given one."""
