"""One `sevbot run` per SQLite file: an advisory lock beside the database, and a warning.

SQLite serves one process. A second `sevbot run` on the same file takes the first one's work
in flight for abandoned (its outbox claims), so messages may go out twice; it starts anyway (a stale lock must never keep
the bot down) but says, at start, what is wrong and what to do. The lock is `flock` on
`<db>-run.lock` (not on the database file, whose byte-range locks are SQLite's own); the
kernel drops it when the process ends, however it ends, so a crash leaves no stale lock.
"""

from __future__ import annotations

import contextlib
import logging
import os

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # Windows: no flock; the warning is a courtesy, not a guarantee
    fcntl = None  # type: ignore[assignment]


def lock_path(db_path: str) -> str:
    """Where the run lock of the database at `db_path` lives."""
    return f"{db_path}-run.lock"


class RunLock:
    """The advisory lock held by the `sevbot run` that serves a SQLite file."""

    def __init__(self, fd: int | None, *, held: bool, holder: str | None) -> None:
        self._fd = fd
        self.held = held  # False: another process holds it (and was warned about)
        self.holder = holder  # what the holder wrote in the lock file (its pid)

    @classmethod
    def take(cls, db_path: str) -> RunLock:
        """Take the lock, or warn (once, at start) that another process holds it."""
        path = lock_path(db_path)
        if fcntl is None:
            return cls(None, held=False, holder=None)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            log.warning(
                "cannot create the run lock %s (%s); not checking for a second "
                "sevbot on this SQLite file",
                path,
                error.strerror,
            )
            return cls(None, held=False, holder=None)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or None
            os.close(fd)
            log.warning(
                "another sevbot%s is already running on %s: SQLite serves one process, and a "
                "second one may send messages twice. Stop one, or run several with PostgreSQL "
                "(SEVBOT_DATABASE_URL=postgresql://…)",
                f" (pid {holder})" if holder else "",
                os.path.abspath(db_path),
            )
            return cls(None, held=False, holder=holder)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, held=True, holder=str(os.getpid()))

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it would race the next taker)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
