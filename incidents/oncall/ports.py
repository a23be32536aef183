"""What on-call needs from the store: the edits made from chat, and cover requests.

Part of every unit of work (`incidents.ports.UnitOfWork` includes it), so an edit, the
messages it causes and the request that made it commit together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from incidents.oncall.schedule import CoverRequest, Edit
from incidents.people import Person


class OnCallRecords(Protocol):
    """On-call edits and cover requests, per rotation."""

    async def oncall_edits(self, rotation: str, since: datetime) -> list[Edit]:
        """Edits in force, oldest first: every swap, and overrides that end after `since`."""
        ...

    async def add_oncall_edit(self, rotation: str, edit: Edit) -> int:
        """Store an edit (its `id` is ignored); returns the new id."""
        ...

    async def cancel_oncall_edit(self, rotation: str, edit_id: int, now: datetime) -> Edit | None:
        """Withdraw an edit in force; None when there is no such edit."""
        ...

    async def add_cover_request(self, request: CoverRequest) -> int:
        """Store an open cover request (its `id` is ignored); returns the new id."""
        ...

    async def cover_request(self, rotation: str, request_id: int) -> CoverRequest | None:
        """One cover request, whatever its state."""
        ...

    async def open_cover_requests(self, rotation: str) -> list[CoverRequest]:
        """Cover requests neither taken nor cancelled, oldest first."""
        ...

    async def close_cover_request(
        self, rotation: str, request_id: int, *, taken_by: Person | None, now: datetime
    ) -> CoverRequest | None:
        """Take (`taken_by`) or cancel (None) an open request, once: None if it was not open."""
        ...
