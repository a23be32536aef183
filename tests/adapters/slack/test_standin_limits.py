"""The Slack stand-in refuses what Slack refuses: every limit of `limits.LIMITS`, one over it,
with Slack's error code and shape; exactly at it, accepted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters.slack.limits import LIMITS
from tests.adapters.slack.standin import BOT_TOKEN, SlackStandIn

Block = dict[str, Any]
Request = tuple[str, dict[str, Any]]  # a Web API method and its arguments


def plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def post(blocks: list[Block] | None = None, text: str = "fallback") -> Request:
    return "chat.postMessage", {"channel": "CGENERAL", "text": text, "blocks": blocks or []}


def section(text: str = "x", **extra: Any) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str = "go", **extra: Any) -> Block:
    return {"type": "button", "action_id": action_id, "text": plain("Go"), **extra}


def actions(*elements: Block) -> list[Block]:
    return [{"type": "actions", "elements": list(elements)}]


def modal(blocks: list[Block] | None = None, **extra: Any) -> Request:
    view = {"type": "modal", "title": plain("Form"), "blocks": blocks or [section()], **extra}
    return "views.open", {"trigger_id": "T1", "view": view}


def text_input(label: str = "Text", **element: Any) -> list[Block]:
    field = {"type": "plain_text_input", "action_id": "text", **element}
    return [{"type": "input", "label": plain(label), "element": field}]


def options(n: int, **option: Any) -> list[Block]:
    return [{"text": plain(f"o{i}"), "value": f"v{i}", **option} for i in range(n)]


def select(n: int = 1, placeholder: str = "Pick", **option: Any) -> Request:
    element = {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": plain(placeholder),
        "options": options(n, **option),
    }
    block = {"type": "input", "label": plain("Pick"), "element": element}
    return modal([block], submit=plain("Go"))


def checkboxes(n: int) -> Request:
    element = {"type": "checkboxes", "action_id": "c", "options": options(n)}
    return modal([{"type": "input", "label": plain("C"), "element": element}], submit=plain("Go"))


X = "x"
CASES: dict[str, Callable[[int], Request]] = {
    "message.blocks": lambda n: post([{"type": "divider"}] * n),
    "view.blocks": lambda n: modal([section()] * n),
    "message.text": lambda n: post(text=X * n),
    "text_object.text": lambda n: post([{"type": "context", "elements": [plain(X * n)]}]),
    "section.text": lambda n: post([section(X * n)]),
    "section.fields": lambda n: post([{"type": "section", "fields": [plain(X)] * n}]),
    "section.field": lambda n: post([{"type": "section", "fields": [plain(X * n)]}]),
    "header.text": lambda n: post([{"type": "header", "text": plain(X * n)}]),
    "context.elements": lambda n: post([{"type": "context", "elements": [plain(X)] * n}]),
    "actions.elements": lambda n: post(actions(*(button(f"b{i}") for i in range(n)))),
    "block_id": lambda n: post([section(block_id=X * n)]),
    "action_id": lambda n: post(actions(button(X * n))),
    "button.text": lambda n: post(actions({**button(), "text": plain(X * n)})),
    "button.value": lambda n: post(actions(button(value=X * n))),
    "button.url": lambda n: post(actions(button(url="https://e.example/" + X * (n - 18)))),
    "input.label": lambda n: modal(text_input(X * n), submit=plain("Go")),
    "input.hint": lambda n: modal([{**text_input()[0], "hint": plain(X * n)}], submit=plain("Go")),
    "plain_text_input.placeholder": lambda n: modal(
        text_input(placeholder=plain(X * n)), submit=plain("Go")
    ),
    "plain_text_input.max_length": lambda n: modal(text_input(max_length=n), submit=plain("Go")),
    "static_select.options": lambda n: select(n),
    "static_select.placeholder": lambda n: select(placeholder=X * n),
    "checkboxes.options": checkboxes,
    "option.text": lambda n: modal(
        [
            {
                "type": "input",
                "label": plain("Pick"),
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [{"text": plain(X * n), "value": "v"}],
                },
            }
        ],
        submit=plain("Go"),
    ),
    "option.value": lambda n: select(value=X * n),
    "option.description": lambda n: select(description=plain(X * n)),
    "view.title": lambda n: modal(title=plain(X * n)),
    "view.submit": lambda n: modal(submit=plain(X * n)),
    "view.close": lambda n: modal(close=plain(X * n)),
    "view.private_metadata": lambda n: modal(private_metadata=X * n),
    "view.callback_id": lambda n: modal(callback_id=X * n),
    "channel.name": lambda n: ("conversations.create", {"name": X * n}),
    "channel.topic": lambda n: ("conversations.setTopic", {"channel": "CGENERAL", "topic": X * n}),
}


@pytest.fixture
async def client(standin: SlackStandIn) -> AsyncWebClient:
    """A Web API client on the stand-in, as the bot."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])


async def answer(client: AsyncWebClient, request: Request) -> dict[str, Any]:
    """Slack's answer to a call, refused or not."""
    method, arguments = request
    try:
        data = (await client.api_call(method, json=arguments)).data
    except SlackApiError as refused:
        data = refused.response.data
    assert isinstance(data, dict)
    return data


def test_every_limit_in_the_table_is_tested_and_cites_slack() -> None:
    """The table and these cases cover the same limits; each cites Slack's own pages."""
    assert set(CASES) == set(LIMITS)
    for limit in LIMITS.values():
        assert limit.source.startswith("https://docs.slack.dev/reference/"), limit


@pytest.mark.parametrize("field", sorted(LIMITS))
async def test_one_over_a_limit_is_refused_with_slacks_error(
    field: str, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    """At the limit: accepted. One over: `ok: false` with the limit's error code, and (for
    blocks and views) Slack's `[ERROR] … [json-pointer:…]` messages saying where."""
    limit = LIMITS[field]
    assert (await answer(client, CASES[field](limit.maximum)))["ok"], field
    refused = await answer(client, CASES[field](limit.maximum + 1))
    assert refused["ok"] is False
    assert refused["error"] == limit.error
    if limit.error in ("invalid_blocks", "invalid_arguments"):
        messages = refused["response_metadata"]["messages"]
        assert messages
        assert all(m.startswith("[ERROR] ") and "[json-pointer:/" in m for m in messages)
        assert ("errors" in refused) == (limit.error == "invalid_blocks")
    assert standin.refusals[-1].error == limit.error


async def test_lengths_count_as_sent_with_astral_characters_as_two(client: AsyncWebClient) -> None:
    """`&amp;` is five characters and an emoji outside the BMP two (UTF-16 code units)."""
    assert (await answer(client, post([section("😀" * 1500)])))["ok"]
    assert (await answer(client, post([section("😀" * 1501)])))["error"] == "invalid_blocks"
    assert (await answer(client, post([section("&amp;" * 600)])))["ok"]
    assert (await answer(client, post([section("&amp;" * 600 + "x")])))["ok"] is False


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Incident-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc-1-café", "invalid_name_specials"),
        ("-_-", "invalid_name_punctuation"),
        ("a" * 81, "invalid_name_maxlength"),
    ],
)
async def test_channel_names_are_refused_as_slack_refuses_them(
    name: str, error: str, client: AsyncWebClient
) -> None:
    """Empty, upper case, spaces or accents, punctuation only, over 80: each its own code."""
    assert (await answer(client, ("conversations.create", {"name": name})))["error"] == error


async def test_blocks_of_an_unknown_type_or_without_text_are_refused(
    client: AsyncWebClient,
) -> None:
    """Only the block types the stand-in knows; a section needs text or fields, text 1 char."""
    for blocks in ([{"type": "hologram"}], [{"type": "section"}], [section("")]):
        assert (await answer(client, post(blocks)))["error"] == "invalid_blocks"
    twice = actions(button("same"), button("same"))
    assert (await answer(client, post(twice)))["error"] == "invalid_blocks"


async def test_an_input_block_needs_a_submit_button(client: AsyncWebClient) -> None:
    """A modal with an input block and no `submit` is refused."""
    assert (await answer(client, modal(text_input())))["error"] == "invalid_arguments"


async def test_ephemerals_are_checked_like_messages(client: AsyncWebClient) -> None:
    """chat.postEphemeral takes the same blocks and text as chat.postMessage."""
    arguments = {"channel": "CGENERAL", "user": "U0SAM", "text": "x", "blocks": [section("")]}
    assert (await answer(client, ("chat.postEphemeral", arguments)))["error"] == "invalid_blocks"


async def test_a_response_url_refuses_with_http_400(standin: SlackStandIn) -> None:
    """Over the limit on a response_url: HTTP 400 and the code as text, as a webhook answers."""
    body: dict[str, Any] = {"text": "x", "blocks": [section("x" * 3001)]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(standin.response_url("U0SAM"), json=body) as response,
    ):
        assert (response.status, await response.text()) == (400, "invalid_blocks")
    assert standin.responses == []
    assert standin.refusals[-1].method == "response_url"


async def test_an_upload_needs_its_name_and_length(client: AsyncWebClient) -> None:
    """files.getUploadURLExternal without `length`: invalid_arguments."""
    refused: Awaitable[Any] = client.api_call(
        "files.getUploadURLExternal", params={"filename": "a.txt"}
    )
    with pytest.raises(SlackApiError) as error:
        await refused
    assert error.value.response["error"] == "invalid_arguments"
