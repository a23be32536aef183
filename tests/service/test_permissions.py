"""Who may do what (issue 14), through the real service and store: the permission matrix, the
two bypasses found on main, and the audit log of privileged actions allowed and refused."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.audit import print_audit
from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import AccessSettings, ApiClientSettings, Settings
from incidents.access import AuditEntry
from incidents.phase import Phase
from incidents.severity import Severity
from tests.fakes import RecordingChat

DECLARER = "console:maria"
IC = "console:sam"
MEMBER = "console:li"  # a responder on the incident: no lead rights
STRANGER = "console:eve"
ADMIN = "console:root"
ADMIN_BY_GROUP = "slack:U0OPS"
TOOL = "api:alertmanager"


@pytest.fixture
async def app(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    """The application with one admin by name and one admin group, and an API client."""
    monkeypatch.setenv("SEVBOT_TOKEN_ALERTMANAGER", "am-secret")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        access=AccessSettings(admins=[ADMIN, "slack-group:S0SRE"]),
        api_client=[ApiClientSettings(name="alertmanager", token_env="SEVBOT_TOKEN_ALERTMANAGER")],
    )
    built = await build_app(settings, clock=clock, chats=[RecordingChat()])
    try:
        yield built
    finally:
        await built.close()


async def run(
    app: App, text: str, who: str, *, groups: frozenset[str] = frozenset()
) -> tuple[bool, str]:
    outcome = await app.service.handle_text(text, actor=who, platform="console", groups=groups)
    await app.dispatcher.deliver_due()
    return outcome.ok, outcome.reply_text


async def incident(app: App, clock: FakeClock, *, resolved: bool = False) -> None:
    """#1, a SEV-1 declared by maria, commanded by sam (named by maria), li a responder,
    action item 1 owned by li; resolved when asked."""
    assert (await run(app, "/incident open sev1 Checkout is failing", DECLARER))[0]
    assert (await run(app, "/incident ic 1 @sam", DECLARER))[0]
    assert (await run(app, "/incident role 1 responder @li", DECLARER))[0]
    assert (await run(app, "/incident action 1 Add a canary @li", IC))[0]
    clock.advance(minutes=5)
    if resolved:
        assert (await run(app, "/incident resolve 1 Rolled back", IC))[0]


async def audit(app: App) -> list[AuditEntry]:
    async with app.store.transaction() as uow:
        return list(reversed(await uow.audit_since(app.clock.now() - timedelta(days=1), 100)))


WHO = {
    "stranger": STRANGER,
    "member": MEMBER,
    "ic": IC,
    "declarer": DECLARER,
    "admin": ADMIN,
    "api client": TOOL,
}
LEADS = {"ic", "declarer", "admin"}

# (command, who may: the roles allowed; needs a resolved incident)
MATRIX: list[tuple[str, set[str], bool]] = [
    ("/incident ack 1", set(WHO) - {"api client"}, False),
    ("/incident status 1 Still looking", set(WHO), False),
    ("/incident note 1 Saw a spike", set(WHO), False),
    ("/incident action 1 Write the runbook", set(WHO) - {"api client"}, False),
    ("/incident sev 1 sev0", LEADS, False),
    ("/incident phase 1 triage", LEADS, False),
    ("/incident mitigated 1 Failed over", LEADS, False),
    ("/incident role 1 comms @ana", LEADS, False),
    ("/incident ic 1 @ana", LEADS, False),
    ("/incident status 1 --external We are on it", LEADS, False),
    ("/incident action 1 done 1", LEADS | {"member"}, False),
    ("/incident resolve 1 Fixed", LEADS, False),
    ("/incident phase 1 investigation", LEADS, True),  # reopen
    ("/incident review 1 done https://wiki.example.com/pir/1", LEADS, True),
    ("/incident close 1 --force", {"ic", "admin"}, True),
    ("/incident close 1", LEADS, True),  # after the review is done (below)
]
REVIEWED_FIRST = "/incident close 1"


@pytest.mark.parametrize("role", list(WHO))
@pytest.mark.parametrize(("command", "allowed", "resolved"), MATRIX)
async def test_permission_matrix(
    app: App, clock: FakeClock, command: str, allowed: set[str], resolved: bool, role: str
) -> None:
    """Each privileged verb × stranger / member / IC / declarer / admin / API client: allowed
    exactly for the roles the rules name; a refusal changes nothing, says who may, and is
    audited like an allowed privileged action."""
    await incident(app, clock, resolved=resolved)
    if command == REVIEWED_FIRST:
        assert (await run(app, "/incident review 1 done https://wiki.example.com/1", DECLARER))[0]
    before = await app.service.load(1)
    ok, reply = await run(app, command, WHO[role])
    assert ok is (role in allowed), reply
    if not ok:
        assert await app.service.load(1) == before
        assert any(w in reply.lower() for w in ("only", "may", "can be marked done by"))
        assert "admin" in reply or "api_client" in reply
        last = (await audit(app))[-1]
        assert (last.actor, last.allowed, last.incident) == (WHO[role], False, 1)
        assert last.reason == reply


async def test_an_admin_by_group_membership_is_an_admin(app: App, clock: FakeClock) -> None:
    """`slack-group:S0SRE` in `[access] admins`: a member of that group (as the chat adapter
    says) may change the severity; the same person without the group may not."""
    await incident(app, clock)
    refused, _ = await run(app, "/incident sev 1 sev0", ADMIN_BY_GROUP)
    assert not refused
    ok, reply = await run(
        app, "/incident sev 1 sev0", ADMIN_BY_GROUP, groups=frozenset({"slack-group:S0SRE"})
    )
    assert ok, reply


async def test_a_stranger_cannot_make_themselves_ic_and_force_close(
    app: App, clock: FakeClock
) -> None:
    """Bypass 1 on main: `/incident ic 1 @me` then `close --force`. With an IC named, the
    stranger cannot take the role; with none, they can, but cannot force-close in that minute."""
    await incident(app, clock, resolved=True)
    ok, reply = await run(app, "/incident ic 1 @eve", STRANGER)
    assert not ok
    assert "only the incident commander @sam, the declarer @maria or an admin" in reply
    # No commander yet: a fresh incident, declared by someone else.
    assert (await run(app, "/incident open sev1 Search is down", DECLARER))[0]
    assert (await run(app, "/incident resolve 2 Fixed", DECLARER))[0]
    assert (await run(app, "/incident ic 2 @eve", STRANGER))[0]  # anyone may take an open role
    ok, reply = await run(app, "/incident close 2 --force", STRANGER)
    assert not ok
    assert "less than a minute ago" in reply
    found = await app.service.load(2)
    assert found is not None
    assert found.phase is not Phase.CLOSED


async def test_a_stranger_cannot_downgrade_and_close_without_review(
    app: App, clock: FakeClock
) -> None:
    """Bypass 2 on main: lower a resolved SEV-0 to SEV-3, then close with no review."""
    assert (await run(app, "/incident open sev0 Payments down", DECLARER))[0]
    assert (await run(app, "/incident resolve 1 Fixed", DECLARER))[0]
    ok, reply = await run(app, "/incident sev 1 sev3", STRANGER)
    assert not ok
    assert reply.startswith("Only the declarer @maria")
    ok, _ = await run(app, "/incident close 1", STRANGER)
    assert not ok
    found = await app.service.load(1)
    assert found is not None
    assert (found.severity, found.phase) == (Severity.SEV0, Phase.RESOLUTION)


async def test_a_forced_close_is_recorded_as_forced(app: App, clock: FakeClock) -> None:
    """The IC named by the declarer may force-close; the timeline and audit say it was forced."""
    await incident(app, clock, resolved=True)
    ok, reply = await run(app, "/incident close 1 --force", IC)
    assert ok, reply
    found = await app.service.load(1)
    assert found is not None
    assert found.timeline[-1].text == "Closed without a review (forced)"
    last = (await audit(app))[-1]
    assert (last.actor, last.action, last.what, last.allowed) == (
        IC,
        "close",
        "force-close #1",
        True,
    )


async def test_declare_can_be_limited_to_groups(tmp_path: Path, clock: FakeClock) -> None:
    """`[access] declare`: only those people or groups (and admins) open incidents."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/sevbot.db",
        access=AccessSettings(declare=["slack-group:S0ENG"], admins=[ADMIN]),
    )
    app = await build_app(settings, clock=clock, chats=[RecordingChat()])
    try:
        ok, reply = await run(app, "/incident open sev2 Slow", STRANGER)
        assert not ok
        assert "slack-group:S0ENG" in reply
        assert await app.service.load(1) is None
        assert (
            await run(
                app, "/incident open sev2 Slow", STRANGER, groups=frozenset({"slack-group:S0ENG"})
            )
        )[0]
        assert (await run(app, "/incident open sev2 Slower", ADMIN))[0]
    finally:
        await app.close()


async def test_the_audit_log_cannot_be_changed(app: App, clock: FakeClock) -> None:
    """Append-only from the application's side: the store refuses updates and deletes."""
    await incident(app, clock)
    assert await audit(app)
    for statement in ("UPDATE audit SET allowed = 1", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"):
            async with app.store.transaction() as uow:
                await uow._db.execute(statement)  # type: ignore[attr-defined]


async def test_access_configuration_changes_are_audited(tmp_path: Path, clock: FakeClock) -> None:
    """The first start records the access configuration; a start with other admins records
    the change and what it was before; a start with the same configuration adds nothing."""
    url = f"sqlite:///{tmp_path}/sevbot.db"
    for admins in ([ADMIN], [ADMIN, "discord-role:123456789012345678"], [ADMIN]):
        built = await build_app(
            Settings(database_url=url, access=AccessSettings(admins=admins)),
            clock=clock,
            chats=[RecordingChat()],
        )
        await built.close()
        clock.advance(minutes=1)
    built = await build_app(
        Settings(database_url=url, access=AccessSettings(admins=[ADMIN])),
        clock=clock,
        chats=[RecordingChat()],
    )
    try:
        entries = [e for e in await audit(built) if e.action == "config"]
    finally:
        await built.close()
    assert [e.what for e in entries] == [
        "admins: console:root; declare: everyone; API clients: none",
        "admins: console:root, discord-role:123456789012345678; declare: everyone; "
        "API clients: none",
        "admins: console:root; declare: everyone; API clients: none",
    ]
    assert entries[0].reason == "first recorded"
    assert entries[2].reason.startswith("changed; before: admins: console:root, discord-role")


async def test_sevbot_audit_prints_a_table_and_json(app: App, clock: FakeClock) -> None:
    """`sevbot audit`: newest first; refusals stand out; JSON carries every field."""
    await incident(app, clock)
    await run(app, "/incident sev 1 sev0", STRANGER)
    table, err = io.StringIO(), io.StringIO()
    assert await print_audit(app.store, since="1d", clock=clock, out=table, err=err) == 0
    lines = table.getvalue().splitlines()
    assert lines[0].startswith("TIME (UTC)")
    assert "console:eve" in lines[1]
    assert "REFUSED  change the severity of #1 — Only the incident commander @sam" in lines[1]
    out = io.StringIO()
    await print_audit(app.store, since="1d", fmt="json", clock=clock, out=out, err=err)
    rows = json.loads(out.getvalue())
    assert rows[0] == {
        "at": "2026-11-23T14:05:00Z",
        "actor": "console:eve",
        "action": "sev",
        "what": "change the severity of #1",
        "incident": 1,
        "rotation": None,
        "allowed": False,
        "reason": rows[0]["reason"],
        "on_behalf_of": None,
    }
    assert await print_audit(app.store, since="soon", out=out, err=err) == 2
    assert "--since" in err.getvalue()


async def test_a_private_incident_is_closed_to_outsiders_whatever_the_verb(
    app: App, clock: FakeClock
) -> None:
    """An outsider naming a private incident by number reads nothing and changes nothing (the
    title never appears in the refusal); people inside and admins go on as usual."""
    assert (await run(app, "/incident open sev1 --private Payroll export leaks", DECLARER))[0]
    for command in (
        "/incident timeline 1",
        "/incident review 1",
        "/incident note 1 hello",
        "/incident ack 1",
        "/incident ic 1 @eve",
    ):
        ok, reply = await run(app, command, STRANGER)
        assert not ok, command
        assert reply.startswith("#1 is private: only the people in it or an admin")
        assert "Payroll" not in reply
    assert (await run(app, "/incident timeline 1", DECLARER))[0]
    assert (await run(app, "/incident timeline 1", ADMIN))[0]
    ok, reply = await run(app, "/incident timeline 1", TOOL)
    assert not ok
    refused = [e for e in await audit(app) if not e.allowed]
    assert {e.actor for e in refused} == {STRANGER, TOOL}


async def test_which_incident_lists_a_private_number_only_to_people_inside(
    app: App, clock: FakeClock
) -> None:
    """`status` with no number and no channel: the hint lists the open incidents, a private
    one only for its insiders and admins (an action item's owner is inside)."""
    assert (await run(app, "/incident open sev2 Search is slow", DECLARER))[0]
    assert (await run(app, "/incident open sev1 --private Payroll export leaks", DECLARER))[0]
    _, outsider = await run(app, "/incident status Looking", STRANGER)
    assert outsider.endswith("Open incidents: #1.")
    _, insider = await run(app, "/incident status Looking", DECLARER)
    assert insider.endswith("Open incidents: #1, #2.")
    assert (await run(app, "/incident action 2 Rotate the keys @eve", DECLARER))[0]
    _, owner = await run(app, "/incident status Looking", STRANGER)
    assert owner.endswith("Open incidents: #1, #2.")
