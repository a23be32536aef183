"""Edits to a rotation from chat: overrides, swaps, cover requests, and undoing them.

Each runs inside one store transaction with the messages it causes, and its audit entry. Who
may (issue 14): a rotation member swaps their own shifts, asks for or takes cover, and adds an
override that puts themselves on call; changing someone else's shifts needs that person or an
admin; an edit is undone by its author or an admin, a cover request withdrawn by its requester
or an admin. (A rotation that lists members by email has no chat identity to check membership
against: there, anyone may put themselves on call; other people's shifts still need them or an
admin.) Every change is announced in the rotation's on-call channel and told, by direct message
with before and after, to each person whose shifts moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from incidents.access import AuditEntry
from incidents.errors import DomainError
from incidents.messages import (
    Audience,
    Mention,
    Message,
    MessageKind,
    Part,
    Text,
    Tone,
    mention_list,
)
from incidents.oncall.parser import (
    AddOverride,
    CancelCover,
    CancelEdit,
    OnCallRequest,
    RequestCover,
    SwapShifts,
    TakeCover,
)
from incidents.oncall.rotation import Rotation, handoff_at, local_midnight, shift_index, shift_on
from incidents.oncall.schedule import (
    CoverRequest,
    Edit,
    Override,
    Swap,
    edit_window,
    holders_at,
    schedule,
    shift_changes,
)
from incidents.oncall.text import change_messages, edit_text, moment_text, reply, span_text
from incidents.people import EMAIL, Person
from incidents.ports import UnitOfWork


class RotationPoster(Protocol):
    """Posts messages about a rotation (the on-call service, through the router)."""

    async def post(self, uow: UnitOfWork, rotation: Rotation, messages: Sequence[Message]) -> None:
        """Enqueue the messages in this transaction."""
        ...


ONE_DAY = timedelta(days=1)


class OnCallError(DomainError):
    """An edit that cannot be made; the message says why and what would work."""


class OnCallRefused(OnCallError):
    """An edit the access rules refuse; `entry` is its audit entry."""

    def __init__(self, message: str, entry: AuditEntry) -> None:
        super().__init__(message)
        self.entry = entry


@dataclass(kw_only=True)
class EditContext:
    """One edit in progress: the transaction, the rotation, who asks, when, what is in force."""

    oncall: RotationPoster
    uow: UnitOfWork
    rotation: Rotation
    actor: Person
    now: datetime
    edits: list[Edit]
    admin: bool = False
    right: str = "member"  # the right the edit used, for the audit log

    def audit(self, request: OnCallRequest, *, allowed: bool, reason: str) -> AuditEntry:
        """The audit entry of `request` in this rotation."""
        return AuditEntry(
            at=self.now,
            actor=self.actor,
            action="oncall " + _VERB.get(type(request), "edit"),
            what=f"{_VERB.get(type(request), 'edit')} in {self.rotation.name}",
            rotation=self.rotation.name,
            allowed=allowed,
            reason=reason,
        )

    def allow(self, request: OnCallRequest, condition: bool, right: str, refusal: str) -> None:
        """Go on when `condition` holds (using `right`) or the actor is an admin; else refuse,
        saying who may."""
        if condition:
            self.right = right
        elif self.admin:
            self.right = "admin"
        else:
            message = refusal + " (or an admin)."
            raise OnCallRefused(message, self.audit(request, allowed=False, reason=message))

    def is_member(self) -> bool:
        """The actor is in the rotation, or the rotation lists people by email (unverifiable)."""
        people = self.rotation.everyone
        return self.actor in people or any(p.platform == EMAIL for p in people)

    def note(self, text: Text, tone: Tone = Tone.INFO) -> Message:
        """A message for the rotation's on-call channel."""
        return Message(
            kind=MessageKind.ONCALL_EDIT,
            audience=Audience.ONCALL,
            rotation=self.rotation.name,
            text=text,
            tone=tone,
        )


Result = tuple[Message, list[Edit] | None]
_VERB: dict[type, str] = {
    AddOverride: "override",
    SwapShifts: "swap",
    RequestCover: "cover",
    TakeCover: "take",
    CancelCover: "cover cancel",
    CancelEdit: "cancel",
}


async def run_edit(context: EditContext, request: OnCallRequest) -> Result:
    """Run an edit request; returns the reply and the edits now in force (None: unchanged)."""
    if isinstance(request, AddOverride):
        return await _override(context, request)
    if isinstance(request, SwapShifts):
        return await _swap(context, request)
    if isinstance(request, RequestCover):
        return await _request_cover(context, request)
    if isinstance(request, TakeCover):
        return await _take_cover(context, request)
    if isinstance(request, CancelCover):
        return await _cancel_cover(context, request)
    if isinstance(request, CancelEdit):
        return await _cancel_edit(context, request)
    raise OnCallError("That `/oncall` command changes nothing; `/oncall help` lists the edits.")


def _days(context: EditContext, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last` in the rotation's zone, from now on."""
    rotation = context.rotation
    start = max(local_midnight(rotation, first), context.now, handoff_at(rotation, 0))
    end = local_midnight(rotation, last + ONE_DAY)
    if end <= context.now:
        raise OnCallError(f"{first} to {last} is over already; edits are for now or later.")
    if end <= handoff_at(rotation, 0):
        raise OnCallError(
            f"{rotation.name} starts {moment_text(rotation, handoff_at(rotation, 0), context.now)}"
            "; nobody is on call in it before then."
        )
    return start, end


async def _commit(
    context: EditContext,
    edit: Edit,
    before: list[Edit],
    after: list[Edit],
    what: Text,
    *,
    must_change: bool = True,
) -> Text:
    """Tell everyone whose shifts moved, by direct message; returns who was told, as text."""
    rotation, now = context.rotation, context.now
    start, end = edit_window(rotation, edit)
    start = max(start, now)
    changes = shift_changes(
        schedule(rotation, before, start, end), schedule(rotation, after, start, end)
    )
    if not changes and must_change:
        raise OnCallError("That changes nobody's shifts, so I left the schedule as it is.")
    await context.oncall.post(
        context.uow,
        rotation,
        change_messages(rotation, changes, actor=context.actor, what=what, now=now),
    )
    return mention_list([c.person for c in changes], "nobody")


async def _record(context: EditContext, edit: Edit) -> Result:
    """Store a new edit, announce it, and tell whose shifts moved."""
    after = [*context.edits, edit]
    what = edit_text(context.rotation, edit, context.now)
    told = await _commit(context, edit, context.edits, after, what)
    edit_id = await context.uow.add_oncall_edit(context.rotation.name, edit)
    edit = replace(edit, id=edit_id)
    described = edit_text(context.rotation, edit, context.now)
    undo = f" (edit {edit_id}; `/oncall cancel {edit_id}` undoes it)."
    await context.oncall.post(
        context.uow,
        context.rotation,
        [
            context.note(
                ("🔁 ", Mention(context.actor), " changed the schedule: ", *described, undo)
            )
        ],
    )
    answer = reply(("✅ ", *described, undo, " Told by direct message: ", *told, "."))
    return answer, [*context.edits, edit]


async def _override(context: EditContext, request: AddOverride) -> Result:
    start, end = _days(context, request.first, request.last)
    if request.person == context.actor:
        context.allow(
            request,
            context.is_member(),
            "member, on call themselves",
            f"Only members of {context.rotation.name} can put themselves on call in it",
        )
    else:
        shifts = schedule(context.rotation, context.edits, start, end)
        own = bool(shifts) and all(s.holds(context.actor) is request.role for s in shifts)
        context.allow(
            request,
            own,
            "their own shifts",
            f"Those days are not all yours, so putting {_at(request.person)} on call changes "
            f"someone else's shifts; ask them, or name yourself: `/oncall override @you …`",
        )
    edit = Override(
        person=request.person,
        start=start,
        end=end,
        role=request.role,
        created_by=context.actor,
        created_at=context.now,
    )
    return await _record(context, edit)


def _turn_holder(context: EditContext, index: int) -> Person:
    """Whose turn shift `index` is by rotation order and swaps (overrides aside)."""
    swaps: list[Edit] = [e for e in context.edits if isinstance(e, Swap)]
    holders = holders_at(context.rotation, swaps, handoff_at(context.rotation, index))
    assert holders is not None
    return holders.primary


def _shift_named(context: EditContext, day: date) -> int:
    rotation = context.rotation
    index = shift_on(rotation, day)
    if index is None:
        raise OnCallError(
            f"{rotation.name} starts {moment_text(rotation, handoff_at(rotation, 0), context.now)}"
            f"; there is no shift on {day}."
        )
    if handoff_at(rotation, index + 1) <= context.now:
        raise OnCallError(f"The shift of {day} is over; swaps are for current or later shifts.")
    return index


def _nearest(context: EditContext, person: Person, around: int) -> int | None:
    """The other person's shift nearest after `around` (else before it, not yet over)."""
    current = shift_index(context.rotation, context.now) or 0
    reach = 2 * len(context.rotation.everyone) + 2
    ahead = range(around + 1, around + reach)
    behind = range(around - 1, current - 1, -1)
    return next((i for i in (*ahead, *behind) if _turn_holder(context, i) == person), None)


async def _swap(context: EditContext, request: SwapShifts) -> Result:
    rotation, now = context.rotation, context.now
    first = _shift_named(context, request.first)
    holder = _turn_holder(context, first)
    usage = f"`/oncall swap {_at(request.person)} {request.first} <another date>`"
    if request.second is not None:
        second = _shift_named(context, request.second)
        if second == first:
            raise OnCallError(f"{request.first} and {request.second} are the same shift.")
        holders = (holder, _turn_holder(context, second))
        if request.person not in holders:
            raise OnCallError(
                f"{_at(request.person)} is primary in neither shift, so it is not their swap."
            )
        context.allow(
            request,
            context.actor in holders,
            "their own shift",
            f"Only {_at(holders[0])} or {_at(holders[1])}, whose shifts these are, can swap them",
        )
    else:
        if holder == request.person:
            other = context.actor
        elif holder == context.actor:
            other = request.person
        else:
            raise OnCallError(
                f"The shift of {request.first} is {_at(holder)}'s, neither yours nor "
                f"{_at(request.person)}'s. Name both shifts: {usage}."
            )
        if other == holder:
            raise OnCallError("That is a swap with yourself; mention someone else.")
        found = _nearest(context, other, first)
        if found is None:
            raise OnCallError(f"I found no shift of {_at(other)} near it; name both: {usage}.")
        second = found
    edit = Swap(
        first=handoff_at(rotation, first),
        second=handoff_at(rotation, second),
        created_by=context.actor,
        created_at=now,
    )
    return await _record(context, edit)


async def _request_cover(context: EditContext, request: RequestCover) -> Result:
    rotation, now = context.rotation, context.now
    start, end = _days(context, request.first, request.last)
    mine = [p for p in schedule(rotation, context.edits, start, end) if p.holds(context.actor)]
    if not mine:
        raise OnCallError(
            f"You are not on call in {rotation.name} between "
            f"{span_text(rotation, start, end, now)}, so there is nothing to cover. "
            "(If the rotation lists you by email, ask someone to `/oncall override` for you.)"
        )
    cover = CoverRequest(
        id=0, rotation=rotation.name, requester=context.actor, start=start, end=end, created_at=now
    )
    cover_id = await context.uow.add_cover_request(cover)
    when = span_text(rotation, start, end, now)
    await context.oncall.post(
        context.uow,
        rotation,
        [
            context.note(
                (
                    "🙋 ",
                    Mention(context.actor),
                    f" asks for cover in {rotation.name}: {when}. Can you take it? "
                    f"`/oncall take {cover_id}`",
                ),
                Tone.WARNING,
            )
        ],
    )
    return reply(
        (
            f"🙋 Asked for cover (request {cover_id}) for {when}; the on-call channel has been "
            f"told. `/oncall cover cancel {cover_id}` withdraws it.",
        )
    ), None


async def _open_request(context: EditContext, number: int) -> None:
    """Raise, saying why, unless cover request `number` exists and is open."""
    stored = await context.uow.cover_request(context.rotation.name, number)
    if stored is None:
        raise OnCallError(
            f"There is no cover request {number} in {context.rotation.name}; "
            "`/oncall cover` lists the open ones."
        )
    if stored.taken_by is not None:
        raise OnCallError(f"Cover request {number} was taken by {_at(stored.taken_by)} already.")
    if stored.cancelled_at is not None:
        raise OnCallError(f"Cover request {number} was withdrawn.")


async def _take_cover(context: EditContext, request: TakeCover) -> Result:
    await _open_request(context, request.request)
    stored = await context.uow.cover_request(context.rotation.name, request.request)
    assert stored is not None
    if stored.requester == context.actor:
        raise OnCallError(
            f"That is your own request; `/oncall cover cancel {request.request}` withdraws it."
        )
    if stored.end <= context.now:
        raise OnCallError(f"Cover request {request.request} is for a time that is over.")
    context.allow(
        request,
        context.is_member(),
        "member",
        f"Only members of {context.rotation.name} can take its cover requests",
    )
    taken = await context.uow.close_cover_request(
        context.rotation.name, request.request, taken_by=context.actor, now=context.now
    )
    if taken is None:
        raise OnCallError(f"Someone took cover request {request.request} a moment ago.")
    edit = taken.as_override(context.actor, context.now)
    return await _record(context, replace(edit, start=max(edit.start, context.now)))


async def _cancel_cover(context: EditContext, request: CancelCover) -> Result:
    await _open_request(context, request.request)
    stored = await context.uow.cover_request(context.rotation.name, request.request)
    assert stored is not None
    context.allow(
        request,
        stored.requester == context.actor,
        "requester",
        f"Only {_at(stored.requester)} can withdraw cover request {request.request}",
    )
    await context.uow.close_cover_request(
        context.rotation.name, request.request, taken_by=None, now=context.now
    )
    text: Text = ("🙅 ", Mention(context.actor), f" withdrew cover request {request.request}.")
    await context.oncall.post(context.uow, context.rotation, [context.note(text)])
    return reply((f"Withdrew cover request {request.request}.",)), None


async def _cancel_edit(context: EditContext, request: CancelEdit) -> Result:
    rotation = context.rotation
    existing = next((e for e in context.edits if e.id == request.edit), None)
    if existing is not None:
        author = existing.created_by
        context.allow(
            request,
            author is None or author == context.actor,
            "author",
            f"Only {_at(author) if author else 'its author'} can undo edit {request.edit}",
        )
    cancelled = await context.uow.cancel_oncall_edit(rotation.name, request.edit, context.now)
    if cancelled is None:
        raise OnCallError(
            f"There is no edit {request.edit} in force in {rotation.name}; "
            "`/oncall edits` lists them."
        )
    after = [e for e in context.edits if e.id != cancelled.id]
    described = edit_text(rotation, cancelled, context.now)
    what: Text = (f"edit {request.edit} undone (it was ", *described, ")")
    told: Text = ("nobody",)
    if edit_window(rotation, cancelled)[1] > context.now:
        told = await _commit(context, cancelled, context.edits, after, what, must_change=False)
    text: Text = ("↩️ ", Mention(context.actor), f" undid edit {request.edit}: ", *described, ".")
    await context.oncall.post(context.uow, rotation, [context.note(text)])
    parts: list[Part] = [f"↩️ Undid edit {request.edit}. Told by direct message: ", *told, "."]
    return reply(tuple(parts)), after


def _at(user: Person) -> str:
    return Person(user).handle
