"""The stand-in refuses what Discord refuses: each limit of `standin/limits.py`, at the limit
accepted and one past it refused with 400, code 50035 and the field's path, on every route that
carries it (channel messages, edits, interaction responses, follow-ups, channels, commands)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.adapters.discord.limit_cases import (
    CASES,
    CHANNEL,
    COMMANDS,
    MESSAGE,
    MODAL,
    OLD_STATUS_LABEL,
    TOPIC,
    Case,
    text_input,
)
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin import payloads as p
from tests.adapters.discord.standin.limits import LIMITS, limit

#: Where a message body goes, and the prefix of its fields' paths there.
MESSAGE_ROUTES = ("channel", "edit", "callback", "update", "followup")


async def call(discord: StandIn, method: str, path: str, body: Any) -> tuple[int, Any]:
    """One REST call to the stand-in, as the bot makes it."""
    headers = {"Authorization": f"Bot {discord.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, discord.api_url + path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


async def acknowledged(discord: StandIn) -> int:
    """An interaction whose response was deferred (so follow-ups are allowed)."""
    interaction = p.snowflake()
    status, _ = await call(
        discord, "POST", f"/interactions/{interaction}/token-{interaction}/callback", {"type": 5}
    )
    assert status == 200
    return interaction


async def send(discord: StandIn, case: Case, body: Any, route: str = "channel") -> tuple[int, Any]:
    """Send `body` where a request of `case.kind` goes (`route` for a message)."""
    general = discord.general["id"]
    if case.kind == MODAL:
        interaction = p.snowflake()
        path = f"/interactions/{interaction}/token-{interaction}/callback"
        return await call(discord, "POST", path, {"type": 9, "data": body})
    if case.kind == CHANNEL:
        return await call(discord, "POST", f"/guilds/{discord.guild_id}/channels", body)
    if case.kind == TOPIC:
        return await call(discord, "PATCH", f"/channels/{general}", body)
    if case.kind == COMMANDS:
        path = f"/applications/{discord.application_id}/guilds/{discord.guild_id}/commands"
        return await call(discord, "PUT", path, body)
    if route == "channel":
        return await call(discord, "POST", f"/channels/{general}/messages", body)
    if route == "edit":
        _, posted = await call(discord, "POST", f"/channels/{general}/messages", {"content": "x"})
        return await call(discord, "PATCH", f"/channels/{general}/messages/{posted['id']}", body)
    if route in ("callback", "update"):
        interaction = p.snowflake()
        path = f"/interactions/{interaction}/token-{interaction}/callback"
        kind = 4 if route == "callback" else 7
        return await call(discord, "POST", path, {"type": kind, "data": body})
    interaction = await acknowledged(discord)
    return await call(
        discord, "POST", f"/webhooks/{discord.application_id}/token-{interaction}", body
    )


def prefix(case: Case, route: str) -> tuple[str, ...]:
    """Where the body's fields sit in the request: under `data` in an interaction response."""
    return ("data",) if case.kind == MODAL or route in ("callback", "update") else ()


def error_at(body: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """The first error Discord reports at `path`."""
    assert body["code"] == 50035, body
    assert body["message"] == "Invalid Form Body", body
    node = body["errors"]
    for key in path:
        assert key in node, (path, body)
        node = node[key]
    return dict(node["_errors"][0])


def routes_of(case: Case) -> tuple[str, ...]:
    """Every route a case's body is checked on."""
    if case.kind != MESSAGE or case.limit == "nonce":
        return ("channel",)  # a nonce is only for creating channel messages
    if case.limit == "attachments":
        return ("channel", "followup")
    return MESSAGE_ROUTES


PARAMS = [
    pytest.param(case, route, id=f"{case.limit}-{route}")
    for case in CASES
    for route in routes_of(case)
]


def test_every_limit_has_a_case() -> None:
    """The table and the tests stay together: each limit is exercised, each with a source."""
    assert {case.limit for case in CASES} == set(LIMITS)
    for name, bound in LIMITS.items():
        assert bound.docs.startswith("https://discord.com/developers/docs/"), name


@pytest.mark.parametrize(("case", "route"), PARAMS)
async def test_at_the_limit_accepted_past_it_refused(
    discord: StandIn, case: Case, route: str
) -> None:
    """A body exactly at the limit is taken; one past it gets 400 Invalid Form Body (50035)
    with Discord's error at the field's path."""
    most = limit(case.limit).most
    status, answer = await send(discord, case, case.build(most), route)
    assert status < 300, answer
    status, answer = await send(discord, case, case.build(most + 1), route)
    assert status == 400
    error = error_at(answer, prefix(case, route) + case.path)
    assert error["code"] == case.code
    if case.code == "BASE_TYPE_MAX_LENGTH":
        assert error["message"] == f"Must be {most} or fewer in length."
    assert discord.refused[-1][1] == answer


async def test_the_status_form_as_on_main_before_issue_16_is_refused(discord: StandIn) -> None:
    """The 48-character text-input label the status form had is refused at its path, the
    form never opening."""
    assert len(OLD_STATUS_LABEL) == 48
    case = Case("text_input.label", MODAL, lambda n: text_input(label=OLD_STATUS_LABEL), ())
    status, answer = await send(discord, case, case.build(48))
    assert status == 400
    assert answer == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "data": {
                "components": {
                    "0": {
                        "components": {
                            "0": {
                                "label": {
                                    "_errors": [
                                        {
                                            "code": "BASE_TYPE_MAX_LENGTH",
                                            "message": "Must be 45 or fewer in length.",
                                        }
                                    ]
                                }
                            }
                        }
                    }
                }
            }
        },
    }


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"content": "x", "components": [{"type": 1, "components": []}]},
         ("components", "0", "components"), "BASE_TYPE_MIN_LENGTH"),
        ({"content": "x", "components": [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Go", "custom_id": ""}]}]},
         ("components", "0", "components", "0", "custom_id"), "BASE_TYPE_MIN_LENGTH"),
        ({"content": "@here <@1>", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
         ("allowed_mentions",), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"),
    ],
)  # fmt: skip
async def test_too_little_and_contradictions_are_refused(
    discord: StandIn, body: dict[str, Any], path: tuple[str, ...], code: str
) -> None:
    """An empty action row, an empty custom id, and `parse` with a list of the same kind are
    refused too."""
    status, answer = await call(
        discord, "POST", f"/channels/{discord.general['id']}/messages", body
    )
    assert status == 400
    assert error_at(answer, path)["code"] == code


async def test_an_empty_message_is_refused(discord: StandIn) -> None:
    """A message with neither content, embeds, components nor files: 50006."""
    status, answer = await call(
        discord, "POST", f"/channels/{discord.general['id']}/messages", {"content": ""}
    )
    assert (status, answer) == (400, {"code": 50006, "message": "Cannot send an empty message"})


@pytest.mark.parametrize("name", ["Incident", "incident status", "inc!dent", ""])
async def test_command_names_follow_discords_pattern(discord: StandIn, name: str) -> None:
    """Upper case, spaces, punctuation and the empty name are refused for slash commands."""
    path = f"/applications/{discord.application_id}/guilds/{discord.guild_id}/commands"
    status, answer = await call(discord, "PUT", path, [{"name": name, "description": "d"}])
    assert status == 400
    assert error_at(answer, ("0", "name"))["code"] == "APPLICATION_COMMAND_INVALID_NAME"


@pytest.mark.parametrize("name", ["incident", "on-call", "été", "事件", "इंसिडेंट", "x_1'"])
async def test_lowercase_letters_of_any_script_are_accepted(discord: StandIn, name: str) -> None:
    """Letters (lowercase where they have case), digits, `-`, `_` and `'` make a valid name."""
    path = f"/applications/{discord.application_id}/guilds/{discord.guild_id}/commands"
    status, answer = await call(discord, "PUT", path, [{"name": name, "description": "d"}])
    assert status == 200, answer
