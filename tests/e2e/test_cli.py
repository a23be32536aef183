"""The CLI as a person uses it: migrate, outbox, and refusing a newer schema."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.conftest import cli


def test_migrate_then_up_to_date(tmp_path: Path) -> None:
    """`sevbot migrate` applies the migrations once; a second run says it is up to date."""
    db = tmp_path / "s.db"
    first = cli("migrate", db=db)
    second = cli("migrate", db=db)
    assert first.returncode == 0
    assert "applied migrations 1" in first.stdout
    assert "up to date" in second.stdout


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database migrated by a newer sevbot: run and migrate refuse, naming both versions."""
    db = tmp_path / "s.db"
    assert cli("migrate", db=db).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'now')")
    for command in ("migrate", "run"):
        result = cli(command, db=db)
        assert result.returncode == 1
        assert "version 99" in result.stderr
        assert "upgrade" in result.stderr


def test_outbox_lists_pending_as_table_and_json(tmp_path: Path) -> None:
    """Messages written but not delivered show in `sevbot outbox`, as a table and as JSON."""
    db = tmp_path / "s.db"
    assert cli("migrate", db=db).returncode == 0
    payload = json.dumps(
        {
            "kind": "note",
            "audience": "incident",
            "text": ["hello"],
            "incident": 1,
            "recipient": None,
            "title": None,
            "facts": [],
            "buttons": [],
            "tone": "info",
            "pin": False,
            "attachment_name": None,
            "attachment": None,
        }
    )
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO outbox (platform, incident, kind, payload, created_at, attempts, "
            "next_attempt_at, last_error) VALUES ('slack', 1, 'note', ?, "
            "'2026-11-27T05:00:00.000000Z', 3, '2026-11-27T05:10:00.000000Z', 'ratelimited')",
            (payload,),
        )
    table = cli("outbox", db=db)
    assert table.returncode == 0
    assert "outbox: 1 pending, 0 dead, 0 delivered" in table.stdout
    assert "ratelimited" in table.stdout
    data = json.loads(cli("outbox", "--format", "json", db=db).stdout)
    assert data["items"][0]["state"] == "pending"
    assert data["items"][0]["attempts"] == 3


def test_audit_prints_the_log_as_table_and_json(tmp_path: Path) -> None:
    """`sevbot sessions revoke` is audited; `sevbot audit` shows it, as a table and as JSON;
    a bad `--since` is a usage error."""
    db = tmp_path / "s.db"
    assert cli("migrate", db=db).returncode == 0
    assert cli("sessions", "revoke", db=db).returncode == 0
    table = cli("audit", db=db)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].startswith("TIME (UTC)")
    assert "sign everyone out of the dashboard" in table.stdout
    listed = json.loads(cli("audit", "--format", "json", "--since", "1d", db=db).stdout)
    assert [(row["action"], row["allowed"]) for row in listed] == [("sessions revoke", True)]
    bad = cli("audit", "--since", "soon", db=db)
    assert bad.returncode == 2
    assert "--since" in bad.stderr
