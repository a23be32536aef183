"""What people do in the stand-in: slash commands, clicks, picks, forms, messages, reactions."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tests.adapters.discord.standin import payloads as p

if TYPE_CHECKING:
    from tests.adapters.discord.standin.server import Callback, Sent, StandIn

COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
WAIT = 10.0  # a safety net against a hung test, never a timing assertion
BUTTON, SELECT = 2, 3


class People:
    """Mixed into StandIn: sends INTERACTION_CREATE and other gateway events as people would."""

    async def slash(
        self: StandIn,
        verb: str | None,
        *,
        as_user: str = "sam",
        channel: dict[str, Any] | None = None,
        command: str = "incident",
        wait: bool = True,
        **options: Any,
    ) -> Callback | dict[str, Any]:
        """`/incident <verb> option:value…` by `as_user`; a user option is `{"user": "li"}`."""
        resolved: dict[str, dict[str, Any]] = {"users": {}, "members": {}}
        typed = []
        for name, value in options.items():
            if value is None:
                continue
            if isinstance(value, dict) and "user" in value:
                person = self.user(value["user"])
                resolved["users"][person["id"]] = person
                resolved["members"][person["id"]] = {
                    k: v for k, v in p.member(person).items() if k != "user"
                }
                value = {"user": person["id"]}
            typed.append(p.option(name, value))
        data: dict[str, Any] = {"id": str(p.snowflake()), "name": command, "type": 1}
        if verb is None:
            data["options"] = typed
        else:
            data["options"] = [{"type": 1, "name": verb, "options": typed}]
        if resolved["users"]:
            data["resolved"] = resolved
        payload = self._interaction(COMMAND, data, as_user, channel)
        return await self.interact(payload) if wait else payload

    async def click(self: StandIn, sent: Sent, custom_id: str, *, as_user: str = "sam") -> Callback:
        """Click a button on a message the bot posted."""
        data = {"custom_id": custom_id, "component_type": BUTTON}
        channel = self.channels[sent.channel_id]
        return await self.interact(
            self._interaction(COMPONENT, data, as_user, channel, sent.message)
        )

    async def pick(
        self: StandIn,
        shown: Callback,
        custom_id: str,
        value: str,
        *,
        as_user: str = "sam",
        channel: dict[str, Any] | None = None,
    ) -> Callback:
        """Choose an option in a select the bot showed ephemerally (in the `shown` response)."""
        data = {"custom_id": custom_id, "component_type": SELECT, "values": [value]}
        where = channel or self.general
        body = shown.data | {"flags": 64}
        message = p.message(p.snowflake(), int(where["id"]), self.bot, body, guild_id=self.guild_id)
        return await self.interact(self._interaction(COMPONENT, data, as_user, where, message))

    async def submit(
        self: StandIn,
        custom_id: str,
        values: dict[str, str],
        *,
        as_user: str = "sam",
        channel: dict[str, Any] | None = None,
    ) -> Callback:
        """Submit a modal the bot opened."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        data = {"custom_id": custom_id, "components": rows}
        return await self.interact(self._interaction(MODAL_SUBMIT, data, as_user, channel))

    def _interaction(
        self: StandIn,
        kind: int,
        data: dict[str, Any],
        user: str,
        channel: dict[str, Any] | None,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        where = channel or self.general
        payload = p.interaction(
            kind=kind,
            data=data,
            application_id=self.application_id,
            guild_id=self.guild_id,
            channel_data=where,
            person=self.user(user),
            message_data=message,
        )
        payload["member"] = self.member(user)
        return payload

    async def interact(self: StandIn, payload: dict[str, Any]) -> Callback:
        """Dispatch INTERACTION_CREATE and wait for the bot's interaction response."""
        interaction_id = int(payload["id"])
        self.interaction_types[interaction_id] = int(payload["type"])
        answered = self.answered.setdefault(
            interaction_id, asyncio.get_running_loop().create_future()
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        try:
            async with asyncio.timeout(WAIT):
                return await answered
        except TimeoutError:
            raise AssertionError(f"stand-in: no response to interaction {interaction_id}") from None

    async def followup(self: StandIn, interaction_id: int) -> Callback:
        """Wait for the follow-up to a deferred response."""
        return await self.wait_for(
            lambda: next((f for f in self.followups if f.interaction_id == interaction_id), None),
            f"a follow-up to {interaction_id}",
        )

    async def answer_text(self: StandIn, callback: Callback) -> str:
        """The answer's text, from the follow-up when the answer was deferred."""
        if callback.type == 5:
            return (await self.followup(callback.interaction_id)).content
        return callback.content

    async def say(
        self: StandIn, channel: dict[str, Any], text: str, *, as_user: str = "sam"
    ) -> dict[str, Any]:
        """Someone writes in a channel."""
        return await self.post(int(channel["id"]), {"content": text}, [], author=self.user(as_user))

    async def react(
        self: StandIn, message: dict[str, Any], emoji: str = "📌", *, as_user: str = "sam"
    ) -> None:
        """Someone reacts to a message."""
        person = self.user(as_user)
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": person["id"],
                "channel_id": message["channel_id"],
                "message_id": message["id"],
                "guild_id": str(self.guild_id),
                "member": p.member(person),
                "emoji": {"id": None, "name": emoji},
                "burst": False,
                "type": 0,
            },
        )
