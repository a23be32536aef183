"""Defer from the raw gateway payload, before discord.py builds anything.

An interaction that goes to the store is written to the inbox (one small INSERT: acknowledged
means durable, see `bot/inbox.py`), answered with a deferral (type 5, ephemeral) and followed
up with the reply. The deferral needs neither the Interaction object, nor the command
tree, nor the option transformers, so it is sent the moment INTERACTION_CREATE is read, and
discord.py's own handling of the interaction starts once the deferral is out. In a burst of
commands every deferral goes out before the heavier work of any of them: the last of 50 is
acknowledged in milliseconds, not behind 49 store transactions (the Slack adapter does the
same by answering in the HTTP response).

Deferrals come before other work. While any is being sent, discord.py's handling of those
already deferred and the adapter's outbox deliveries wait (`quiet()`, at most HOLD seconds, so
a steady stream of commands cannot starve them); interactions then reach discord.py in the
order they arrived. Deferrals go over a few kept-alive connections of their own (CONNECTIONS,
`callbacks.py`), so a burst queues on warm connections instead of opening (and, on the real
Discord, TLS-handshaking) one connection per interaction.

Which interactions qualify is `parse.defers_at_once`; forms, the severity picker and errors
found while parsing are answered directly by the handler. A deferral that fails (a replayed
interaction Discord already saw, a network error, no answer within TIMEOUT) hands the
interaction to discord.py at once, and the handler defers it there; so does one that could not
be written to the inbox (the handler tries again, and refuses it if that fails too). A
deferred interaction nobody answers gets an apology after UNANSWERED seconds, and leaves the
inbox: the person was told it did not work.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import discord
from discord.http import Route

from adapters.discord.callbacks import CallbackError, CallbackPoster
from adapters.discord.render import FAILED

log = logging.getLogger(__name__)
DEFERRAL = json.dumps({"type": 5, "data": {"flags": 64}}).encode()  # ephemeral "thinking…"
CONNECTIONS = 8
# Seconds a deferral may take, waiting for a free connection included; Discord forgets an
# interaction not answered within 3 s, and a failed deferral leaves the handler the rest.
TIMEOUT = 1.5
# Seconds after handing a deferred interaction to discord.py: if nothing took it by then
# (discord.py dropped it: a button it could not match, a command it could not run), the person
# gets an apology instead of "thinking…" for the 15 minutes Discord keeps it.
UNANSWERED = 5.0
APOLOGY = json.dumps({"content": FAILED, "flags": 64, "allowed_mentions": {"parse": []}}).encode()
HOLD = 0.25  # longest wait of other work for deferrals in flight, seconds


class EarlyDeferral:
    """Wraps the client's INTERACTION_CREATE parser; remembers which interactions it deferred."""

    def __init__(
        self,
        client: discord.Client,
        wanted: Callable[[Mapping[str, Any]], bool],
        *,
        poster: CallbackPoster | None = None,
        record: Callable[[Mapping[str, Any]], Awaitable[bool]] | None = None,
        abandon: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._wanted = wanted
        self._record = record  # writes the interaction to the inbox; False if it could not
        self._abandon = abandon  # takes an interaction nobody answered out of the inbox
        # Deferred here and not yet taken by the handler; `_check_taken` clears what is left.
        self._deferred: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._poster = poster
        # Set once the latest deferred interaction went on to discord.py: the next one waits
        # for it, so interactions reach the handler in the order they arrived.
        self._handed: asyncio.Future[None] | None = None

    def install(self) -> None:
        """Put the wrapper in front of discord.py's parser (in setup_hook, before connecting)."""
        parsers: dict[str, Callable[[Any], None]] = self._client._connection.parsers
        original = parsers["INTERACTION_CREATE"]
        if self._poster is None:
            self._poster = CallbackPoster(
                Route.BASE,
                user_agent=self._client.http.user_agent,
                connections=CONNECTIONS,
            )

        def parse(data: Any) -> None:
            try:
                wanted = self._wanted(data) and str(data["id"]).isdigit() and bool(data["token"])
            except Exception:  # an odd payload is discord.py's to judge, never a reason to stop
                log.exception("discord: could not read an INTERACTION_CREATE; not deferred early")
                wanted = False
            if not wanted:
                original(data)
                return
            self._in_flight += 1
            self._quiet.clear()
            loop = asyncio.get_running_loop()
            handed: asyncio.Future[None] = loop.create_future()
            task = loop.create_task(self._defer_then(data, original, self._handed, handed))
            self._handed = handed
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        parsers["INTERACTION_CREATE"] = parse

    async def close(self) -> None:
        """Stop what is pending and drop the deferrals' connections (before the client closes:
        an interaction not yet handed to discord.py could not be answered any more)."""
        for task in list(self._tasks):
            task.cancel()
        if self._poster is not None:
            self._poster.close()

    def take(self, interaction_id: int) -> bool:
        """Whether this interaction was deferred here (asked once, by whoever answers it)."""
        if interaction_id not in self._deferred:
            return False
        self._deferred.discard(interaction_id)
        return True

    async def quiet(self) -> None:
        """Wait until no deferral is being sent (at most HOLD seconds)."""
        if self._quiet.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(HOLD):
                await self._quiet.wait()

    async def _defer_then(
        self,
        data: Mapping[str, Any],
        original: Callable[[Any], None],
        before: asyncio.Future[None] | None,
        handed: asyncio.Future[None],
    ) -> None:
        interaction_id = int(data["id"])
        try:
            try:
                recorded = self._record is None or await self._record(data)
                deferred = recorded and await self._defer(interaction_id, str(data["token"]))
            finally:
                self._in_flight -= 1
                if not self._in_flight:
                    self._quiet.set()
            if deferred:
                self._deferred.add(interaction_id)
                await self.quiet()
                if before is not None:
                    await asyncio.wait({before})  # never cancels `before`, whatever happens here
            # Not deferred: straight on, the handler must answer within Discord's 3 s itself.
            self._hand_over(interaction_id, data, original, deferred=deferred)
        finally:
            if not handed.done():
                handed.set_result(None)

    def _hand_over(
        self,
        interaction_id: int,
        data: Mapping[str, Any],
        original: Callable[[Any], None],
        *,
        deferred: bool,
    ) -> None:
        try:
            original(data)
        except Exception:
            log.exception("discord: could not handle interaction %s", interaction_id)
        if deferred:
            # Only what an apology needs: keeping the whole payload alive for seconds would
            # hold thousands of objects and make garbage collections longer and more frequent.
            follow_up = f"/webhooks/{data.get('application_id')}/{data['token']}"
            loop = asyncio.get_running_loop()
            loop.call_later(UNANSWERED, self._check_taken, interaction_id, follow_up)

    def _check_taken(self, interaction_id: int, follow_up: str) -> None:
        if not self.take(interaction_id):
            return  # answered (or not ours to answer)
        log.error("discord: interaction %s was deferred but never answered", interaction_id)
        task = asyncio.get_running_loop().create_task(self._apologise(interaction_id, follow_up))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _apologise(self, interaction_id: int, follow_up: str) -> None:
        """Follow up a deferred interaction nobody answered, so nobody waits on "thinking…"."""
        assert self._poster is not None
        try:
            async with asyncio.timeout(TIMEOUT):
                await self._poster.post(follow_up, APOLOGY)
        except (CallbackError, TimeoutError) as error:
            log.warning("discord: could not follow up interaction %s: %s", interaction_id, error)
        if self._abandon is not None:
            await self._abandon(interaction_id)

    async def _defer(self, interaction_id: int, token: str) -> bool:
        """POST the deferral `response.defer(ephemeral=True)` would send; True if Discord took it."""
        assert self._poster is not None, "install() first"
        try:
            async with asyncio.timeout(TIMEOUT):  # waiting for a free connection included
                status = await self._poster.post(
                    f"/interactions/{interaction_id}/{token}/callback", DEFERRAL
                )
        except (CallbackError, TimeoutError) as error:
            log.warning("discord: could not defer interaction %s: %s", interaction_id, error)
            return False
        except Exception:  # whatever went wrong, the handler still answers the interaction
            log.exception("discord: could not defer interaction %s", interaction_id)
            return False
        if status >= 300:
            # 400 "already acknowledged" for a replay: the handler finds it was done before.
            log.warning("discord: deferring interaction %s got HTTP %s", interaction_id, status)
            return False
        return True
