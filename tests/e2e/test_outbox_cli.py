"""`sevbot outbox` as an operator uses it after an outage: what waits behind a blocked message,
and `sevbot outbox retry <id>|--dead` sending given-up messages again (issue 15)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.conftest import cli


def payload(text: str, incident: int) -> str:
    """A stored note for incident `incident`'s channel."""
    return json.dumps(
        {
            "kind": "note",
            "audience": "incident",
            "text": [text],
            "incident": incident,
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


def seed(db: Path) -> None:
    """Incident 1: a blocked message (rate limited) with two behind it; incident 2: a dead one."""
    assert cli("migrate", db=db).returncode == 0
    rows = [
        (1, "blocked", 3, None, "ratelimited"),
        (1, "behind one", 0, None, None),
        (1, "behind two", 0, None, None),
        (2, "given up", 1, "2026-11-27T05:01:00.000000Z", "channel_not_found"),
    ]
    with sqlite3.connect(db) as conn:
        for incident, text, attempts, dead_at, error in rows:
            conn.execute(
                "INSERT INTO outbox (platform, incident, kind, payload, created_at, attempts, "
                "next_attempt_at, dead_at, last_error) VALUES ('slack', ?, 'note', ?, "
                "'2026-11-27T05:00:00.000000Z', ?, '2026-11-27T05:10:00.000000Z', ?, ?)",
                (incident, payload(text, incident), attempts, dead_at, error),
            )


def test_outbox_shows_what_waits_behind_a_blocked_message(tmp_path: Path) -> None:
    """The oldest undelivered message of an incident says how many wait behind it, in the
    table and in JSON (`waiting_behind`)."""
    db = tmp_path / "s.db"
    seed(db)
    table = cli("outbox", db=db)
    assert table.returncode == 0, table.stderr
    assert "outbox: 3 pending, 1 dead, 0 delivered" in table.stdout
    assert "↳ 2 more of incident #1 wait behind it" in table.stdout
    data = json.loads(cli("outbox", "--format", "json", db=db).stdout)
    behind = {item["text"]: item["waiting_behind"] for item in data["items"]}
    assert behind == {"blocked": 2, "behind one": 0, "behind two": 0, "given up": 0}


def test_outbox_retry_sends_a_given_up_message_again(tmp_path: Path) -> None:
    """`sevbot outbox retry <id>` revives a dead message (audited); an id that is not dead is
    refused with exit 1 and a reason; `--dead` with nothing dead says so."""
    db = tmp_path / "s.db"
    seed(db)
    refused = cli("outbox", "retry", "1", db=db)
    assert refused.returncode == 1
    assert "not a given-up message" in refused.stderr
    revived = cli("outbox", "retry", "4", db=db)
    assert revived.returncode == 0, revived.stderr
    assert "sending 1 message again: 4" in revived.stdout
    assert "outbox: 4 pending, 0 dead" in cli("outbox", db=db).stdout
    assert "send outbox messages 4 again" in cli("audit", db=db).stdout
    assert cli("outbox", "retry", "--dead", db=db).stdout.strip() == (
        "no given-up messages to send again"
    )


def test_outbox_retry_dead_revives_every_given_up_message(tmp_path: Path) -> None:
    """`sevbot outbox retry --dead` revives every dead message; the listing options still
    work beside the sub-verb, and `retry` without an id or `--dead` is a usage error."""
    db = tmp_path / "s.db"
    seed(db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET dead_at = '2026-11-27T05:02:00.000000Z' WHERE id = 3")
    revived = cli("outbox", "retry", "--dead", db=db)
    assert revived.returncode == 0, revived.stderr
    assert "sending 2 messages again: 3, 4" in revived.stdout
    listed = json.loads(cli("outbox", "--all", "--limit", "10", "--format", "json", db=db).stdout)
    assert listed["counts"] == {"pending": 4}
    assert cli("outbox", "retry", db=db).returncode == 2
