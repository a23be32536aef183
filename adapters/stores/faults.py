"""Store faults in words: where a store is, as people read it in logs and errors.

A fault is what waiting can cure (a server down or restarting, a cut connection, a busy,
read-only or full disk); an error in a statement is not one. Each side's classification lives
beside its driver: PostgreSQL's in `postgres.py`, SQLite's in `sqlite_faults.py`. This module
imports neither (a PostgreSQL deployment does not load sqlite3, nor a SQLite one asyncpg).
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, unquote

from incidents.ports import StoreUnavailable

DEFAULT_PORT = 5432


class NoDatabase(StoreUnavailable):
    """A verb that only reads (or changes what is there) found no database: nothing was
    created, so a typo in SEVBOT_DATABASE_URL is an error, not an empty world."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(where, cause, lasting=True)


_BRACKETED = re.compile(r"^\[[^\]]*\]$")  # an IPv6 address without a port


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


def sqlite_path(url: str) -> str:
    """`sqlite:///sevbot.db` → `sevbot.db`; `sqlite:////abs/x.db` → `/abs/x.db`."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return url.removeprefix("sqlite:///") or ":memory:"
