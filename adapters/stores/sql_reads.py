"""Reads for queries, outside any write transaction, shared by both stores (`Store.reading`).

`/incident list` reads every open incident each time someone asks, and between two asks the
incidents seldom change. Their rows say whether one did: `state` holds everything but the
timeline, `timeline_length` how many entries the timeline has, and the timeline is only ever
appended to (entries `seq < timeline_length` never change). So one statement reads the rows;
an incident whose state and timeline length are those decoded the last time is that same
value, taken as it was decoded (its timeline is not read again, its JSON not parsed again, and
the service may keep what it derived from it, by identity). Only the others' timelines are
read, in one more statement; entries appended since the rows were read are left out, so each
incident is exactly the one its row describes, even with writes in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.stores import codec
from adapters.stores.dialect import Connection, Dialect
from adapters.stores.sql_names import NameSql
from incidents.model import Incident, TimelineEntry

Decoded = dict[int, tuple[int, str, Incident]]
"""Open incidents as last decoded, by number: (timeline length, state, the incident)."""

_OPEN = (
    "SELECT number, timeline_length, state FROM incidents WHERE closed_at IS NULL ORDER BY number"
)

# One incident and its timeline in one statement: the state only beside the first entry (or
# alone, with no entry), not repeated on every row; entries past the row's length left out.
_ONE = (
    "SELECT CASE WHEN t.seq IS NULL OR t.seq = 0 THEN i.state END, "
    "t.seq, t.at, t.actor, t.kind, t.text, t.data FROM incidents i "
    "LEFT JOIN timeline t ON t.incident = i.number AND t.seq < i.timeline_length "
    "WHERE i.number = ? ORDER BY t.seq"
)


class ChannelSql:
    """Which channel is an incident's, and whose is a channel: the same statements inside a
    transaction (`SqlUnitOfWork`) and outside one (`SqlReads`)."""

    _db: Connection

    async def channel_of(self, number: int, platform: str) -> str | None:
        """The incident's channel on `platform`."""
        rows = await self._db.fetch(
            "SELECT channel_id FROM channels WHERE incident = ? AND platform = ?", number, platform
        )
        return str(rows[0][0]) if rows else None

    async def incident_in_channel(self, platform: str, channel_id: str) -> int | None:
        """The incident whose channel this is."""
        rows = await self._db.fetch(
            "SELECT incident FROM channels WHERE platform = ? AND channel_id = ?",
            platform,
            channel_id,
        )
        return int(rows[0][0]) if rows else None


class SqlReads(NameSql, ChannelSql):
    """`incidents.ports.QueryReads` over one connection, with the store's `Decoded`."""

    def __init__(self, connection: Connection, dialect: Dialect, decoded: Decoded) -> None:
        self._db = connection
        self._d = dialect
        self._decoded = decoded

    async def open_incidents(self) -> list[Incident]:
        """Every incident not yet closed, by number (see the module)."""
        rows = [(int(n), int(size), str(state)) for n, size, state in await self._db.fetch(_OPEN)]
        decoded = self._decoded
        kept_now: Decoded = {}
        stale: list[tuple[int, int, str]] = []
        for number, length, state in rows:
            kept = decoded.get(number)
            if kept is not None and kept[0] == length and kept[1] == state:
                kept_now[number] = kept
            else:
                stale.append((number, length, state))
        if stale:
            timelines = await self._timelines({number: length for number, length, _ in stale})
            for number, length, state in stale:
                timeline = tuple(timelines.get(number, ()))
                kept_now[number] = (
                    length,
                    state,
                    codec.incident_from_state(number, state, timeline),
                )
        # Only the open ones stay; replaced at once (nothing awaited from here on), so a read
        # running meanwhile (PostgreSQL) finds the old entries or these, each true in itself.
        decoded.clear()
        decoded.update(kept_now)
        return [kept_now[number][2] for number, _, _ in rows]

    async def load(self, number: int) -> Incident | None:
        """The incident with its timeline, in one statement (so as one commit left it): its
        row's state on the first row only, then each of its first `timeline_length` entries."""
        rows = await self._db.fetch(_ONE, number)
        if not rows:
            return None
        timeline = tuple(
            codec.entry_from_row(self._time(at), actor, kind, text, str(data))
            for _, seq, at, actor, kind, text, data in rows
            if seq is not None
        )
        return codec.incident_from_state(number, str(rows[0][0]), timeline)

    async def _timelines(self, lengths: dict[int, int]) -> dict[int, list[TimelineEntry]]:
        """The first `lengths[n]` timeline entries of each incident `n`, in one statement."""
        rows = await self._db.fetch(
            "SELECT incident, seq, at, actor, kind, text, data FROM timeline "
            f"WHERE {self._d.any_of('incident')} ORDER BY incident, seq",
            self._d.list_in(sorted(lengths)),
        )
        timelines: dict[int, list[TimelineEntry]] = {}
        for incident, seq, at, actor, kind, text, data in rows:
            number = int(incident)
            if int(seq) < lengths[number]:  # appended after the row was read: not in it
                timelines.setdefault(number, []).append(
                    codec.entry_from_row(self._time(at), actor, kind, text, str(data))
                )
        return timelines

    def _time(self, value: Any) -> datetime:
        moment = self._d.time_out(value)
        assert moment is not None  # NOT NULL
        return moment
