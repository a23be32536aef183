"""Which SQLite errors are the file's weather (busy, read-only, I/O, full, cannot open), as
`StoreUnavailable` naming the file; every other error is the statement's, and passes."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from incidents.ports import StoreUnavailable

# SQLite's primary result codes that say the file, not the statement, is the trouble.
SQLITE_FAULT_CODES = frozenset(
    {
        5,  # SQLITE_BUSY: another process holds the write lock
        6,  # SQLITE_LOCKED
        8,  # SQLITE_READONLY: the file, its folder or the file system is read-only
        10,  # SQLITE_IOERR: the disk refused a read or a write
        13,  # SQLITE_FULL: the disk (or the process's file size limit) is full
        14,  # SQLITE_CANTOPEN: the file or its folder cannot be opened or created
        15,  # SQLITE_PROTOCOL: a locking race on the WAL
    }
)


def sqlite_fault(error: BaseException) -> str | None:
    """Why a SQLite error is the file's fault (busy, read-only, I/O, full, cannot open), in
    words; None for an error in the statement or the schema (a bug, not weather)."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    if code is None or code & 0xFF not in SQLITE_FAULT_CODES:
        return None
    name = getattr(error, "sqlite_errorname", "")
    hint = _SQLITE_HINTS.get(code & 0xFF, "")
    return f"{error} ({name}){hint}" if name else f"{error}{hint}"


_SQLITE_HINTS = {
    8: "; is the file, its folder or the file system read-only?",
    13: "; is the disk full?",
    14: "; does its folder exist, and may sevbot write there?",
}


@contextlib.contextmanager
def sqlite_faults(where: str) -> Iterator[None]:
    """Raise the file's faults inside as `StoreUnavailable` naming `where`; other errors pass."""
    try:
        yield
    except sqlite3.Error as error:
        cause = sqlite_fault(error)
        if cause is None:
            raise
        raise StoreUnavailable(where, cause) from error
