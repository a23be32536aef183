"""The audit log and kept answers on both stores: appended, read newest first, never changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents.access import AuditEntry
from tests.contract.backends import AnyStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def entry(minutes: int, **fields: object) -> AuditEntry:
    values: dict[str, object] = {
        "at": T0 + timedelta(minutes=minutes),
        "actor": "slack:U1",
        "action": "sev",
        "what": "change the severity of #1",
        "allowed": False,
        "reason": "Only the declarer @U2 or an admin can change the severity of #1.",
        "incident": 1,
    }
    return AuditEntry(**(values | fields))  # type: ignore[arg-type]


async def test_entries_read_back_newest_first_with_every_field(store: AnyStore) -> None:
    """Appended in two transactions; read since a time, newest first; `latest_audit` by action."""
    async with store.transaction() as uow:
        await uow.append_audit(entry(0))
        await uow.append_audit(entry(1, allowed=True, reason="declarer", on_behalf_of="x"))
    async with store.transaction() as uow:
        await uow.append_audit(
            entry(2, action="config", what="admins: none", incident=None, rotation=None)
        )
        await uow.append_audit(
            entry(3, action="oncall swap", incident=None, rotation="maintainers")
        )
    async with store.transaction() as uow:
        found = await uow.audit_since(T0 + timedelta(minutes=1), 10)
        latest = await uow.latest_audit("config")
    assert [(e.at.minute, e.action, e.allowed) for e in found] == [
        (3, "oncall swap", False),
        (2, "config", False),
        (1, "sev", True),
    ]
    assert found[0].rotation == "maintainers"
    assert found[2].on_behalf_of == "x"
    assert found[2].incident == 1
    assert latest is not None
    assert latest.what == "admins: none"


@pytest.mark.parametrize("statement", ["UPDATE audit SET allowed = ?", "DELETE FROM audit"])
async def test_the_log_refuses_updates_and_deletes(store: AnyStore, statement: str) -> None:
    """Append-only: the database itself refuses to change or remove an entry."""
    async with store.transaction() as uow:
        await uow.append_audit(entry(0))
    args = (True,) if "?" in statement else ()
    with pytest.raises(Exception, match="append-only"):
        async with store.transaction() as uow:
            await uow._db.execute(statement, *args)  # type: ignore[attr-defined]
    async with store.transaction() as uow:
        assert len(await uow.audit_since(T0, 10)) == 1


async def test_a_request_keeps_its_first_answer(store: AnyStore) -> None:
    """`remember_request` then `record_answer`: a repeat reads the answer back."""
    async with store.transaction() as uow:
        assert await uow.remember_request("api:api:r1", T0)
        await uow.record_answer("api:api:r1", '{"ok": true, "incident": 4}')
    async with store.transaction() as uow:
        assert not await uow.remember_request("api:api:r1", T0)
        assert await uow.request_answer("api:api:r1") == '{"ok": true, "incident": 4}'
        assert await uow.request_answer("api:api:other") is None
