"""GitHub out: a public incident's updates as a GitHub issue, action items as issues, and the
`issues` webhook closing action items (`[github]`, bot/github_config.py)."""

from __future__ import annotations

from incidents.errors import InvalidCommand
from incidents.model import Incident
from incidents.ports import UnitOfWork


async def no_github(uow: UnitOfWork, before: Incident, after: Incident) -> None:
    """Without `[github]`: `--issue` is refused, saying what would make it work."""
    if any(item.issue for item in after.action_items[len(before.action_items) :]):
        raise InvalidCommand(
            "Action items become GitHub issues once `[github]` is configured in sevbot.toml "
            "(repository and token). Add it without `--issue` for now."
        )
