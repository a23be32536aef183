"""Domain errors. Each one says what went wrong and what would have been valid."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `message` is polite and says what would have been valid."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSeverity(DomainError):
    """A severity that is not SEV-0..SEV-3."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"Unknown severity `{text.strip() or ' '}`. Use sev0, sev1, sev2 or sev3 "
            "(p0-p3 work too), e.g. `/incident open sev1 DB down`."
        )


class UnknownPhase(DomainError):
    """A phase name the domain does not know."""

    def __init__(self, text: str, valid: tuple[str, ...]) -> None:
        self.text = text
        super().__init__(f"Unknown phase `{text}`. Use one of: {', '.join(valid)}.")


class NotAllowedInPhase(DomainError):
    """A phase transition or command the incident's current phase does not allow."""


class NotPermitted(DomainError):
    """The actor may not do this (for example, only the incident commander may force a close)."""


class InvalidCommand(DomainError):
    """Text that is not a valid command of the command language."""


class IncidentNotFound(DomainError):
    """No incident has that number, or the command was not given one."""
