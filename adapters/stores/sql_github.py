"""The issues sevbot opened on GitHub, in SQL, shared by both stores (see migration 0014)."""

from __future__ import annotations

from adapters.stores.dialect import Connection, Dialect
from incidents.ports import TrackerIssue


class GitHubSql:
    """The `incidents.ports.TrackerIssueRecords` part of `SqlUnitOfWork`."""

    _db: Connection
    _d: Dialect

    async def tracker_issue(self, repository: str, subject: str) -> TrackerIssue | None:
        """The issue opened for `subject`, if one was."""
        rows = await self._db.fetch(
            "SELECT number, url, node_id FROM github_issues WHERE repository = ? AND subject = ?",
            repository,
            subject,
        )
        return TrackerIssue(int(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None

    async def remember_tracker_issue(
        self, repository: str, subject: str, issue: TrackerIssue
    ) -> None:
        """Remember the issue opened for `subject` (kept if one is already remembered)."""
        await self._db.execute(
            "INSERT INTO github_issues (repository, subject, number, url, node_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (repository, subject) DO NOTHING",
            repository,
            subject,
            issue.number,
            issue.url,
            issue.node_id,
        )

    async def tracker_subject(self, repository: str, number: int) -> str | None:
        """What issue `number` was opened for, if sevbot opened it."""
        rows = await self._db.fetch(
            "SELECT subject FROM github_issues WHERE repository = ? AND number = ?",
            repository,
            number,
        )
        return str(rows[0][0]) if rows else None
