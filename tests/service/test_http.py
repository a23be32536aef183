"""The HTTP server in-process: health before and after start, and the command API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from tests.fakes import RecordingChat


@pytest.fixture
async def served(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, TestClient[object, object]]]:
    """The app with an API token, behind a real aiohttp test server."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/h.db", api_token=SecretStr("tok"))
    app = await build_app(settings, clock=clock, chats=[chat])
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


async def test_healthz_is_503_until_the_scheduler_runs(
    served: tuple[App, TestClient[object, object]],
) -> None:
    """503 before the scheduler loop starts, 200 once it runs."""
    app, client = served
    assert (await client.get("/healthz")).status == 503
    loop = asyncio.create_task(app.scheduler.run())
    try:
        for _ in range(100):
            if app.scheduler.running:
                break
            await asyncio.sleep(0)
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json())["status"] == "ok"
    finally:
        app.scheduler.stop()
        await loop


async def test_api_needs_the_token(served: tuple[App, TestClient[object, object]]) -> None:
    """No or a wrong bearer token → 401 and nothing done."""
    app, client = served
    response = await client.post("/api/commands", json={"text": "open sev1 x"})
    assert response.status == 401
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []


async def test_api_runs_commands_once_per_request_id(
    served: tuple[App, TestClient[object, object]],
) -> None:
    """A command with a request_id sent twice is done once; the second says duplicate."""
    _, client = served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev2 Disk full", "actor": "alerts", "request_id": "a1"}
    first = await (await client.post("/api/commands", json=body, headers=headers)).json()
    second = await (await client.post("/api/commands", json=body, headers=headers)).json()
    assert (first["ok"], first["incident"], first["duplicate"]) == (True, 1, False)
    assert second["duplicate"] is True


async def test_api_rejects_bad_json(served: tuple[App, TestClient[object, object]]) -> None:
    """A body that is not the expected JSON gets 400 with an example."""
    _, client = served
    response = await client.post(
        "/api/commands", data="nope", headers={"Authorization": "Bearer tok"}
    )
    assert response.status == 400
    assert "open sev1 DB down" in (await response.json())["error"]


async def test_api_actor_is_read_once_as_a_person(
    served: tuple[App, TestClient[object, object]],
) -> None:
    """A bare tool name acts as `api:<name>`; an actor that names nobody gets 400, nothing done."""
    app, client = served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev2 Disk full", "actor": "alerts"}
    assert (await client.post("/api/commands", json=body, headers=headers)).status == 200
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.declared_by == "api:alerts"
    bad = await client.post(
        "/api/commands", json={"text": "open sev1 x", "actor": "slack:two words"}, headers=headers
    )
    assert bad.status == 400
    assert "is not a person" in (await bad.json())["error"]
    async with app.store.transaction() as uow:
        assert [i.number for i in await uow.open_incidents()] == [1]
