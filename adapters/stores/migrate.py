"""Forward-only migrations: which exist, and the refusal to run on a newer schema."""

from __future__ import annotations

import re
from importlib import resources


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer sevbot than this one."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"The database schema is at version {found}, but this sevbot only knows versions up "
            f"to {known}. It was migrated by a newer sevbot: upgrade this one (or point "
            "SEVBOT_DATABASE_URL at another database). Nothing was changed."
        )
        self.found = found
        self.known = known


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration of `dialect` ("sqlite" or "postgres"), in order."""
    folder = resources.files("adapters.stores.migrations").joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d+)_(.+)\.sql$", entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest(dialect: str) -> int:
    """The newest schema version this code knows."""
    return max(version for version, _, _ in migrations(dialect))


def split_statements(sql: str) -> list[str]:
    """Split a migration file into statements (our files hold no semicolons inside strings)."""
    without_comments = "\n".join(
        line for line in sql.splitlines() if not line.strip().startswith("--")
    )
    return [s.strip() for s in without_comments.split(";") if s.strip()]
