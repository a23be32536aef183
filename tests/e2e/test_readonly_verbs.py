"""Verbs that read never create (issue 17, finding 5): `outbox`, `report`, `review`, `audit`
and `migrate --check` (and `outbox retry`, `sessions revoke`, which change only what is
there) make no database, folder or table; a missing one is one line and exit 1, so a typo in
SEVBOT_DATABASE_URL is an error rather than an empty world. `migrate --check` lists what is
due and exits 1 until `sevbot migrate` has run."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import known_migrations
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

READING = [
    ["outbox"],
    ["outbox", "--format", "json"],
    ["report"],
    ["review", "1"],
    ["audit"],
    ["outbox", "retry", "--dead"],
    ["sessions", "revoke"],
]
HINT = (
    "nothing was created: check SEVBOT_DATABASE_URL, or create the database with `sevbot migrate`"
)


def sevbot_on(db: Path, *verb: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`sevbot VERB` against the SQLite file `db`, run in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *verb],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "SEVBOT_DATABASE_URL": f"sqlite:///{db}",
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed verb printed (asserting exit 1, one line, no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("verb", READING, ids=" ".join)
def test_a_missing_folder_is_one_line_and_nothing_is_created(
    tmp_path: Path, verb: list[str]
) -> None:
    """A database path whose folder does not exist: exit 1, one line naming the file and the
    setting; neither the folder nor the file appears."""
    db = tmp_path / "typo" / "sevbot.db"
    said = one_line(sevbot_on(db, *verb, cwd=tmp_path))
    assert said == f"sevbot: SQLite file {db}: no folder {db.parent}; {HINT}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("verb", [["outbox"], ["audit"], ["review", "1"]], ids=" ".join)
def test_a_missing_file_or_an_empty_one_is_one_line(tmp_path: Path, verb: list[str]) -> None:
    """No file in an existing folder: `no such file`, and none is made. An empty file: `no
    sevbot tables in it`, and it stays empty."""
    db = tmp_path / "sevbot.db"
    assert one_line(sevbot_on(db, *verb, cwd=tmp_path)).endswith(f": no such file; {HINT}")
    assert list(tmp_path.iterdir()) == []
    db.touch()
    said = one_line(sevbot_on(db, *verb, cwd=tmp_path))
    assert said.startswith(f"sevbot: SQLite file {db}: no sevbot tables in it")
    assert db.stat().st_size == 0


def test_migrate_check_lists_what_is_due_and_exits_1_until_migrated(tmp_path: Path) -> None:
    """On a fresh path: exit 1, every migration listed, nothing created. After `migrate`: 0.
    With the newest migration undone: exit 1 listing it, and reading verbs say to migrate."""
    db = tmp_path / "data" / "sevbot.db"
    known = known_migrations(f"sqlite:///{db}")
    fresh = sevbot_on(db, "migrate", "--check", cwd=tmp_path)
    assert fresh.returncode == 1, fresh.stderr
    assert f"SQLite file {db} does not exist yet" in fresh.stdout
    for number, name in known:
        assert f"{number:04d} {name}" in fresh.stdout
    assert list(tmp_path.iterdir()) == []
    assert sevbot_on(db, "migrate", cwd=tmp_path).returncode == 0
    ready = sevbot_on(db, "migrate", "--check", cwd=tmp_path)
    assert ready.returncode == 0
    assert ready.stdout.strip() == f"schema is up to date (version {known[-1][0]})"
    newest, name = known[-1]
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = ?", (newest,))
    behind = sevbot_on(db, "migrate", "--check", cwd=tmp_path)
    assert behind.returncode == 1
    assert f"{newest:04d} {name}" in behind.stdout
    assert f"{known[-2][0]:04d}" not in behind.stdout
    said = one_line(sevbot_on(db, "outbox", cwd=tmp_path))
    assert "run `sevbot migrate`" in said
