"""Dashboard sessions in SQL, shared by both stores (see migration 0005)."""

from __future__ import annotations

from datetime import datetime

from adapters.stores.dialect import Connection, Dialect


class SessionSql:
    """The `incidents.ports.WebSessions` part of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    async def create_session(self, key: str, *, expires_at: datetime, now: datetime) -> None:
        """Store a new session; expired ones go at the same time, so the table stays small."""
        await self._db.execute(
            "DELETE FROM web_sessions WHERE expires_at <= ?", self._d.time_in(now)
        )
        await self._db.execute(
            "INSERT INTO web_sessions (id, expires_at) VALUES (?, ?)",
            key,
            self._d.time_in(expires_at),
        )

    async def session_valid(self, key: str, now: datetime) -> bool:
        """True for a stored session not expired at `now`."""
        rows = await self._db.fetch(
            "SELECT 1 FROM web_sessions WHERE id = ? AND expires_at > ?",
            key,
            self._d.time_in(now),
        )
        return bool(rows)

    async def revoke_session(self, key: str) -> None:
        """Forget one session."""
        await self._db.execute("DELETE FROM web_sessions WHERE id = ?", key)

    async def revoke_all_sessions(self, now: datetime) -> int:
        """Forget every session; returns how many were still valid at `now`."""
        rows = await self._db.fetch(
            "SELECT COUNT(*) FROM web_sessions WHERE expires_at > ?", self._d.time_in(now)
        )
        await self._db.execute("DELETE FROM web_sessions")
        return int(rows[0][0])
