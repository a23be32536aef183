"""The slack-bolt AsyncApp: the same listeners for HTTP and Socket Mode.

`process_before_response=True` on purpose. With the default (False), bolt's
`AsyncioListenerRunner.run` (slack_bolt/listener/asyncio_runner.py) schedules the listener
with `asyncio.ensure_future` and then polls `while ack.response is None: await
asyncio.sleep(0.01)`. The first check always runs before the listener task has even
started, so every acknowledgement waits at least one whole 10 ms tick: that is where a
typical bolt app's ~11 ms comes from. With process_before_response the listener is awaited
inline and bolt answers as soon as it returns; our listeners write a command to the inbox
(one small INSERT, before the acknowledgement: acknowledged means durable), call `ack()` and
queue the work (SlackInbound), so they return within a millisecond or so.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.capture import Capture
from adapters.slack.interactions import SlackInbound
from adapters.slack.parse import RESOLVE_MODAL, SEVERITY_MODAL, STATUS_MODAL, SlashCommand
from adapters.slack.render import ACTION_PREFIX

log = logging.getLogger(__name__)
BOLT_LOGGER = "adapters.slack.bolt"


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client's token wins; it is the
    same token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_bolt_app(
    *,
    client: AsyncWebClient,
    signing_secret: str | None,
    inbound: SlackInbound,
    capture: Capture,
) -> AsyncApp:
    """An AsyncApp whose listeners acknowledge and hand the work to `inbound` (commands,
    buttons, forms) or `capture` (channel events)."""
    logger = logging.getLogger(BOLT_LOGGER)
    if not any(isinstance(f, _TokenFromEnvironment) for f in logger.filters):
        logger.addFilter(_TokenFromEnvironment())
    bolt = AsyncApp(
        # Named, because without a name bolt calls inspect.stack() for its caller's file name,
        # which reads the source of every frame up the stack into linecache (about 0.3 MiB,
        # kept for the life of the process).
        name="sevbot",
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        process_before_response=True,
        logger=logger,
    )

    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        answer = await inbound.slash_command(SlashCommand.from_form(body))
        if answer is None:
            await ack()
        else:
            await ack(**answer)

    bolt.command("/incident")(command)
    bolt.command("/oncall")(command)

    async def action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await inbound.block_action(body)  # an Acknowledge click is recorded before the ack
        await ack()

    bolt.action(re.compile(f"^{ACTION_PREFIX}"))(action)

    async def submission(ack: AsyncAck, body: dict[str, Any]) -> None:
        answer = await inbound.view_submission(body)  # recorded before the ack
        if answer is None:
            await ack()
        else:
            await ack(**answer)

    for callback_id in (STATUS_MODAL, SEVERITY_MODAL, RESOLVE_MODAL):
        bolt.view_submission(callback_id)(submission)

    async def message(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        capture.message_event(body)

    bolt.event("message")(message)

    async def pinned(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        bot_user = context.get("bot_user_id")
        capture.pin_event(body, str(bot_user) if bot_user else None)

    bolt.event("pin_added")(pinned)
    bolt.event("reaction_added")(pinned)
    return bolt
