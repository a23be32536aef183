"""The audit log outside requests: the access configuration as it changes, and `sevbot audit`.

Privileged actions are audited by the service as they are allowed or refused; this module adds
an entry whenever the permission-relevant configuration (`[access]`, `[[api_client]]` and
whether SEVBOT_API_TOKEN is set) differs from the last one recorded, and prints the log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from bot.clock import SystemClock
from bot.durations import parse_since
from incidents.access import Access, AuditEntry
from incidents.ports import Clock, Store
from incidents.timefmt import clock_text

CONFIG = "config"
SYSTEM = "config:sevbot.toml"
LIMIT = 10_000


def describe_access(access: Access, *, api_token: bool) -> str:
    """The access configuration as one comparable line (no secrets)."""
    admins = ", ".join(sorted(access.admins)) or "none"
    declare = "everyone" if access.declare is None else ", ".join(sorted(access.declare))
    clients = [
        f"{name} ({', '.join(sorted(verbs))})" for name, verbs in sorted(access.api_clients.items())
    ]
    if api_token:
        clients.insert(0, "api (SEVBOT_API_TOKEN)")
    return (
        f"admins: {admins}; declare: {declare or 'nobody'}; "
        f"API clients: {', '.join(clients) or 'none'}"
    )


async def record_access_config(
    store: Store, access: Access, *, api_token: bool, now: datetime
) -> bool:
    """Append a `config` entry when the access configuration differs from the last recorded
    one (the first start records it too); True when one was appended."""
    current = describe_access(access, api_token=api_token)
    async with store.transaction() as uow:
        last = await uow.latest_audit(CONFIG)
        if last is not None and last.what == current:
            return False
        reason = "first recorded" if last is None else f"changed; before: {last.what}"
        await uow.append_audit(
            AuditEntry(
                at=now, actor=SYSTEM, action=CONFIG, what=current, allowed=True, reason=reason
            )
        )
    return True


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """One entry as JSON-ready data."""
    return {
        "at": entry.at.isoformat().replace("+00:00", "Z"),
        "actor": entry.actor,
        "action": entry.action,
        "what": entry.what,
        "incident": entry.incident,
        "rotation": entry.rotation,
        "allowed": entry.allowed,
        "reason": entry.reason,
        "on_behalf_of": entry.on_behalf_of,
    }


def audit_table(entries: Sequence[AuditEntry], now: datetime) -> str:
    """A table people read: newest first, time in UTC, who, allowed or refused, what, why."""
    if not entries:
        return "No audit entries in this window.\n"
    lines = [f"{'TIME (UTC)':<17}  {'WHO':<24}  {'RESULT':<7}  WHAT — WHY"]
    for entry in entries:
        result = "allowed" if entry.allowed else "REFUSED"
        who = entry.actor + (f" for {entry.on_behalf_of}" if entry.on_behalf_of else "")
        when = f"{entry.at:%Y-%m-%d} {clock_text(entry.at, now)}"
        reason = entry.reason.replace("\n", " ")
        lines.append(f"{when:<17}  {who[:24]:<24}  {result:<7}  {entry.what} — {reason}")
    return "\n".join(lines) + "\n"


async def print_audit(
    store: Store,
    *,
    since: str = "7d",
    fmt: str = "table",
    clock: Clock | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """`sevbot audit [--since 7d] [--format table|json]` over an open store."""
    now = (clock or SystemClock()).now()
    try:
        start = parse_since(since, now)
    except ValueError as error:
        print(f"sevbot: --since: {error}", file=err)
        return 2
    async with store.transaction() as uow:
        entries = await uow.audit_since(start, LIMIT)
    if fmt == "json":
        out.write(json.dumps([audit_row(e) for e in entries], indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(audit_table(entries, now))
    return 0
