"""The alerts' scheduler jobs by name, and what ends them when alerts are not configured.

Apart from `bot/alerts` so that a deployment without alert sources or heartbeats retires
their jobs without importing the alerts machinery."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from bot.scheduler import JobHandler
    from incidents.ports import UnitOfWork

HEARTBEAT_JOB = "heartbeat"  # jobs `heartbeat:<name>`
SILENCE_JOB = "alert-silences"
DIGEST_JOB = "alert-digest"  # jobs `alert-digest:<source>:<daily|weekly>` (GitHub findings)


async def _retire(uow: UnitOfWork, name: str, due: datetime, now: datetime) -> None:
    """A job of alerts no longer configured: it ends (else it would stay due forever)."""
    return None


def retired_jobs() -> dict[str, JobHandler]:
    """Handlers ending the alerts' jobs when heartbeats, silences or digests are not configured (any
    more): taken out of the settings, their rows go at their next due time."""
    return {HEARTBEAT_JOB: _retire, SILENCE_JOB: _retire, DIGEST_JOB: _retire}
