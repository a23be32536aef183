"""On-call rotations in the running bot: the page lookup, and `/oncall …` from any chat.

One `OnCallService` serves every rotation in the settings. It answers who is on call (for
paging an incident, for `/oncall`, for the calendar feed and dashboards), and runs edits made
from chat in one store transaction with the messages they cause: a note in the rotation's
on-call channel and a direct message, with before and after, to each person whose shifts moved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.chat import Outcome
from bot.oncall.edits import EditContext, OnCallError, OnCallRefused, run_edit
from bot.routing import OutboxWriter
from incidents.access import Access, AuditEntry, Principal
from incidents.errors import DomainError
from incidents.messages import Audience, Message, MessageKind, Part, Text, person
from incidents.model import OnCall
from incidents.oncall.parser import (
    ListCoverRequests,
    ListEdits,
    OnCallHelp,
    OnCallParseError,
    OnCallRequest,
    ShowOnCall,
    ShowSchedule,
    oncall_help,
    parse_oncall,
)
from incidents.oncall.rotation import Rotation, Shift
from incidents.oncall.schedule import Edit, edit_window, holders_at
from incidents.oncall.text import (
    current_and_next,
    edit_text,
    reply,
    schedule_text,
    span_text,
    who_text,
)
from incidents.people import Person
from incidents.ports import Clock, Store, UnitOfWork
from incidents.severity import Severity

LOOKBACK = timedelta(days=1)  # overrides that ended longer ago than this no longer matter


class OnCallService:
    """Rotations, their edits, and the `/oncall` command handler (`App.oncall`)."""

    def __init__(
        self,
        *,
        rotations: Sequence[Rotation],
        page: Mapping[Severity, str],
        store: Store,
        clock: Clock,
        outbox: OutboxWriter,
        on_change: Callable[[], None] = lambda: None,
        feed_tokens: Mapping[str, str] | None = None,
        access: Access | None = None,
    ) -> None:
        if not rotations:
            raise ValueError("OnCallService needs at least one rotation")
        self.rotations = {rotation.name: rotation for rotation in rotations}
        self.page = dict(page)
        self.store = store
        self.clock = clock
        self.feed_tokens = dict(feed_tokens or {})
        self._outbox = outbox
        self.on_change = on_change
        self._edits: dict[str, list[Edit]] = {name: [] for name in self.rotations}
        self.access = access or Access()

    @property
    def default(self) -> Rotation:
        """The first configured rotation: it pages when `page` does not say otherwise."""
        return next(iter(self.rotations.values()))

    def __call__(self, severity: Severity) -> OnCall | None:
        """Who an incident of `severity` pages now: the `OnCallLookup` for the service."""
        return self.holders(self.page.get(severity, self.default.name))

    def holders(self, name: str) -> OnCall | None:
        """Who is on call in rotation `name` now (an unknown name: the first rotation)."""
        rotation = self.rotations.get(name, self.default)
        shift = holders_at(rotation, self._edits[rotation.name], self.clock.now())
        if shift is None:
            return None  # before the rotation starts nobody is on call in it
        return OnCall(
            rotation=rotation.name,
            primary=shift.primary,
            backup=shift.backup,
            everyone=rotation.everyone,
        )

    async def refresh(self, uow: UnitOfWork) -> None:
        """Reload every rotation's edits in force (another replica may have made some)."""
        since = self.clock.now() - LOOKBACK
        for name in self.rotations:
            self._edits[name] = await uow.oncall_edits(name, since)

    async def load(self) -> None:
        """Reload the edits in a transaction of their own."""
        async with self.store.transaction() as uow:
            await self.refresh(uow)

    async def now_and_next(self, name: str) -> tuple[Shift | None, Shift | None]:
        """Who is on call in rotation `name` now (None before it starts), and next; with the
        edits as stored now (for dashboards)."""
        await self.load()
        return current_and_next(self.rotations[name], self._edits[name], self.clock.now())

    async def edits_since(self, name: str, since: datetime) -> list[Edit]:
        """The rotation's edits that matter from `since` on (for the calendar feed)."""
        async with self.store.transaction() as uow:
            return await uow.oncall_edits(name, since)

    async def post(self, uow: UnitOfWork, rotation: Rotation, messages: Sequence[Message]) -> None:
        """Enqueue messages about a rotation: the router picks, among the running platforms,
        those with the rotation's on-call channel, and each direct message's own platform."""
        await self._outbox.enqueue_on(uow, messages, self._outbox.router.platforms)

    async def handle_text(
        self,
        text: str,
        *,
        actor: str | Person,
        platform: str,
        channel_id: str | None = None,
        request_key: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> Outcome:
        """Parse and run one `/oncall …` line; errors come back as a polite reply.

        `actor` is who asked, as `platform:id` (`slack:U1`); text is read as a `Person` here;
        `groups` the user groups or roles the platform says they are in (for `[access]`).
        """
        parsed = parse_oncall(text, platform, list(self.rotations))
        if isinstance(parsed, OnCallParseError):
            return _error(parsed.message)
        people = self._outbox.router.people  # whoever `@dana` is on any platform: one person
        parsed = people.canonical_request(parsed)
        rotation = self._rotation_for(parsed, platform, channel_id)
        try:
            if isinstance(parsed, ShowOnCall | ShowSchedule | OnCallHelp):
                await self.load()
                return Outcome(ok=True, reply=self._show(parsed, rotation, channel_id))
            who = Principal(people.canonical(Person(actor)), groups)
            return await self._run(parsed, rotation, who, request_key)
        except OnCallRefused as refused:
            await self._audit(refused.entry)
            return _error(refused.message)
        except DomainError as error:
            return _error(error.message)

    async def _audit(self, entry: AuditEntry) -> None:
        """Audit a refused edit in its own transaction (the edit's rolled back)."""
        async with self.store.transaction() as uow:
            await uow.append_audit(entry)

    def _rotation_for(
        self, request: OnCallRequest, platform: str, channel_id: str | None
    ) -> Rotation:
        if request.rotation is not None:
            return self.rotations[request.rotation]
        for rotation in self.rotations.values():
            if channel_id is not None and rotation.channels.get(platform) == channel_id:
                return rotation
        return self.default

    def _show(self, request: OnCallRequest, rotation: Rotation, channel_id: str | None) -> Message:
        now = self.clock.now()
        if isinstance(request, OnCallHelp):
            return reply((oncall_help(list(self.rotations)),), MessageKind.HELP)
        if isinstance(request, ShowSchedule):
            return reply(schedule_text(rotation, self._edits[rotation.name], now, request.weeks))
        named = request.rotation is not None or any(
            channel_id == cid for r in self.rotations.values() for cid in r.channels.values()
        )
        shown = [rotation] if named else list(self.rotations.values())
        parts: list[Part] = []
        for index, each in enumerate(shown):
            if index:
                parts.append("\n\n")
            parts += who_text(each, self._edits[each.name], now)
        return reply(tuple(parts))

    async def _run(
        self, request: OnCallRequest, rotation: Rotation, who: Principal, request_key: str | None
    ) -> Outcome:
        actor = who.person
        async with self.store.transaction() as uow:
            now = self.clock.now()
            if request_key is not None and not await uow.remember_request(request_key, now):
                return Outcome(ok=True, duplicate=True)
            edits = await uow.oncall_edits(rotation.name, now - LOOKBACK)
            if isinstance(request, ListEdits):
                return Outcome(ok=True, reply=reply(_edits_text(rotation, edits, now)))
            if isinstance(request, ListCoverRequests):
                covers = await uow.open_cover_requests(rotation.name)
                lines: list[Part] = [f"🙋 Open cover requests in {rotation.name}:"]
                for cover in covers:
                    lines += [
                        f"\n• {cover.id}: ",
                        *_mention(cover.requester),
                        f" {span_text(rotation, cover.start, cover.end, now)} · `/oncall take {cover.id}`",
                    ]
                if not covers:
                    lines = [f"No open cover requests in {rotation.name}."]
                return Outcome(ok=True, reply=reply(tuple(lines)))
            context = EditContext(
                oncall=self,
                uow=uow,
                rotation=rotation,
                actor=actor,
                now=now,
                edits=edits,
                admin=self.access.is_admin(who),
            )
            answer, changed = await run_edit(context, request)
            await uow.append_audit(context.audit(request, allowed=True, reason=context.right))
        if changed is not None:
            self._edits[rotation.name] = changed
        self.on_change()
        return Outcome(ok=True, reply=answer)


def _mention(user: Person | None) -> Text:
    return person(user, "someone")


def _edits_text(rotation: Rotation, edits: Sequence[Edit], now: datetime) -> Text:
    live = [e for e in edits if edit_window(rotation, e)[1] > now]
    if not live:
        return (f"No overrides or swaps in force in {rotation.name}.",)
    parts: list[Part] = [
        f"🔁 Overrides and swaps in {rotation.name} (`/oncall cancel <n>` undoes one):"
    ]
    for edit in live:
        parts += [
            f"\n• {edit.id}: ",
            *edit_text(rotation, edit, now),
            " (by ",
            *_mention(edit.created_by),
            ")",
        ]
    return tuple(parts)


def _error(text: str) -> Outcome:
    return Outcome(
        ok=False, reply=Message(kind=MessageKind.ERROR, audience=Audience.REPLY, text=(text,))
    )


__all__ = ["OnCallError", "OnCallService"]
