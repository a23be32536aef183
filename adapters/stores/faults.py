"""Store faults in words: where a store is, and which SQLite errors are the file's weather.

A fault is what waiting can cure (a server down or restarting, a cut connection, a busy,
read-only or full disk); an error in a statement is not one. The PostgreSQL side of the
classification lives beside asyncpg in `postgres.py`; this module needs no driver.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote

from incidents.ports import StoreUnavailable

DEFAULT_PORT = 5432


class NoDatabase(StoreUnavailable):
    """A verb that only reads (or changes what is there) found no database: nothing was
    created, so a typo in SEVBOT_DATABASE_URL is an error, not an empty world."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(where, cause, lasting=True)


_BRACKETED = re.compile(r"^\[[^\]]*\]$")  # an IPv6 address without a port

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


def postgres_where(url: str) -> str:
    """`PostgreSQL at db.example:5433/sevbot` for `postgresql://u:secret@db.example:5433/sevbot`
    (never the credentials); several hosts as the URL lists them; PGHOST/PGPORT when the URL
    names none, as the driver does."""
    rest = url.split("://", 1)[-1]
    netloc, _, path = rest.partition("/")
    database, _, query = path.partition("?")
    if "?" in netloc:
        netloc, _, query = netloc.partition("?")
    hosts = netloc.rpartition("@")[2]
    options = parse_qs(query)
    if not hosts:
        hosts = options.get("host", [os.environ.get("PGHOST", "localhost")])[0]
        port = options.get("port", [os.environ.get("PGPORT", str(DEFAULT_PORT))])[0]
        if hosts.startswith("/"):  # a Unix socket folder
            return f"PostgreSQL at {hosts} (socket, port {port})/{unquote(database)}"
        hosts = f"{hosts}:{port}"
    named = ",".join(_with_port(host) for host in hosts.split(","))
    return f"PostgreSQL at {unquote(named)}/{unquote(database)}"


def _with_port(host: str) -> str:
    """`db` → `db:5432`; `db:6432` and `[::1]:6432` stay; `[::1]` → `[::1]:5432`."""
    if _BRACKETED.match(host) or ":" not in host:
        return f"{host}:{DEFAULT_PORT}"
    return host


def sqlite_where(path: str) -> str:
    """`SQLite file /abs/path/sevbot.db` (absolute, so a relative URL says where it points)."""
    if path == ":memory:":
        return "SQLite in memory"
    return f"SQLite file {os.path.abspath(path)}"


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
