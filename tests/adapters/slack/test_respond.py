"""Answers to response_url: the JSON slack_sdk's webhook client sends, and one more try."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack import respond


class Hook:
    """A response_url that records what it is sent; it hangs up on the first `drops` posts."""

    def __init__(self, drops: int = 0) -> None:
        self.drops = drops
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []

    async def post(self, request: web.Request) -> web.StreamResponse:
        if self.drops:
            self.drops -= 1
            assert request.transport is not None
            request.transport.close()  # the client sees the server disconnect
            return web.Response()
        self.bodies.append(json.loads(await request.read()))
        self.headers.append(dict(request.headers))
        return web.Response(status=404 if self.bodies[-1].get("gone") else 200, text="ok")


@pytest.fixture
async def hook_server(hook: Hook) -> AsyncIterator[TestServer]:
    """The hook, served on a local port."""
    app = web.Application()
    app.router.add_post("/respond/1", hook.post)
    async with TestServer(app) as server:
        yield server


@pytest.fixture
def hook() -> Hook:
    """A hook that hangs up on nothing."""
    return Hook()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry's backoff (half a second and jitter) shortened to nothing."""

    class Now:
        def calculate_sleep_duration(self, current_attempt: int) -> float:
            return 0.0

    monkeypatch.setattr(respond, "default_interval_calculator", Now())


async def test_the_answer_is_the_json_slack_sdk_sends(hook: Hook, hook_server: TestServer) -> None:
    """The body (None values left out) and the headers are those of slack_sdk's webhook client;
    the status and text come back."""
    url = str(hook_server.make_url("/respond/1"))
    async with aiohttp.ClientSession() as session:
        answer = await respond.post_response(
            session, url, {"text": "hi", "blocks": None, "replace_original": False}
        )
    assert answer == (200, "ok")
    assert hook.bodies == [{"text": "hi", "replace_original": False}]
    assert hook.headers[0]["Content-Type"] == "application/json;charset=utf-8"
    assert hook.headers[0]["User-Agent"].startswith("Python/")


async def test_a_refused_answer_gives_its_status(hook: Hook, hook_server: TestServer) -> None:
    """A 4xx is returned (the caller logs it), not retried."""
    url = str(hook_server.make_url("/respond/1"))
    async with aiohttp.ClientSession() as session:
        assert await respond.post_response(session, url, {"gone": True}) == (404, "ok")
    assert len(hook.bodies) == 1


@pytest.mark.parametrize("hook", [Hook(drops=1)])
async def test_a_dropped_connection_is_tried_once_more(hook: Hook, hook_server: TestServer) -> None:
    """The server hanging up once: the answer is posted again and arrives."""
    url = str(hook_server.make_url("/respond/1"))
    async with aiohttp.ClientSession() as session:
        assert await respond.post_response(session, url, {"text": "hi"}) == (200, "ok")
    assert hook.bodies == [{"text": "hi"}]


@pytest.mark.parametrize("hook", [Hook(drops=2)])
async def test_a_connection_dropped_twice_raises(hook: Hook, hook_server: TestServer) -> None:
    """Dropped again on the second try: the error reaches the caller (which logs it)."""
    url = str(hook_server.make_url("/respond/1"))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await respond.post_response(session, url, {"text": "hi"})
    assert hook.bodies == []


async def test_without_a_session_slack_sdk_posts_it(hook: Hook, hook_server: TestServer) -> None:
    """No shared session (no loop when the adapter was built): slack_sdk's client, the same
    body."""
    url = str(hook_server.make_url("/respond/1"))
    assert await respond.post_response(None, url, {"text": "hi", "blocks": None}) == (200, "ok")
    assert hook.bodies == [{"text": "hi"}]
