"""Forward-only migrations: which exist, and the refusal to run on a newer schema."""

from __future__ import annotations

import re
from pathlib import Path


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
    # Beside this file, as package data; a plain path (importlib.resources would import
    # zipfile and its readers, about 0.3 MiB, to read files that are never in a zip).
    folder = Path(__file__).parent / "migrations" / dialect
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
    """Split a SQLite migration file into statements at a `;` that ends a line, except inside
    a trigger's `BEGIN … END;` body (our files hold no other semicolons inside statements;
    PostgreSQL runs each file whole)."""
    statements: list[str] = []
    current: list[str] = []
    in_body = False
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        word = stripped.upper().rstrip(";")
        if word == "BEGIN":
            in_body = True
        elif word == "END":
            in_body = False
        if not in_body and stripped.endswith(";"):
            statements.append("\n".join(current).strip().removesuffix(";").strip())
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return [statement for statement in statements if statement]
