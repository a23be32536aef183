"""The HTTP server in-process: health before and after start, and the command API."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import ApiClientSettings, Settings
from bot.views import timeline_text
from tests.fakes import RecordingChat


async def test_healthz_is_503_until_the_scheduler_runs(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """503 before the scheduler loop starts, 200 once it runs."""
    app, client = api_served
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


async def test_api_needs_the_token(api_served: tuple[App, TestClient[object, object]]) -> None:
    """No or a wrong bearer token → 401 and nothing done."""
    app, client = api_served
    response = await client.post("/api/commands", json={"text": "open sev1 x"})
    assert response.status == 401
    async with app.store.transaction() as uow:
        assert await uow.open_incidents() == []


async def test_api_runs_commands_once_per_request_id(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """A command with a request_id sent twice is done once; the second says duplicate."""
    _, client = api_served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev2 Disk full", "actor": "alerts", "request_id": "a1"}
    first = await (await client.post("/api/commands", json=body, headers=headers)).json()
    second = await (await client.post("/api/commands", json=body, headers=headers)).json()
    assert (first["ok"], first["incident"], first["duplicate"]) == (True, 1, False)
    assert second["duplicate"] is True


async def test_api_rejects_bad_json(api_served: tuple[App, TestClient[object, object]]) -> None:
    """A body that is not the expected JSON gets 400 with an example."""
    _, client = api_served
    response = await client.post(
        "/api/commands", data="nope", headers={"Authorization": "Bearer tok"}
    )
    assert response.status == 400
    assert "open sev1 DB down" in (await response.json())["error"]


async def test_the_token_is_the_identity_and_actor_only_says_for_whom(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """SEVBOT_API_TOKEN acts as `api:api`; `"actor": "slack:U1"` grants nothing (it does not
    act as U1) and is recorded as whom the tool acted for."""
    app, client = api_served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev2 Disk full", "actor": "slack:U1"}
    assert (await client.post("/api/commands", json=body, headers=headers)).status == 200
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.declared_by == "api:api"
    assert incident.timeline[0].get("on_behalf_of") == "slack:U1"
    assert "(for slack:U1)  Declared SEV-2" in timeline_text(incident, app.clock.now())
    # As U1 it could resolve what U1 declared; as `api` it may not (not in its verbs).
    await app.service.handle_text("open sev2 Queue stuck", actor="slack:U1", platform="console")
    refused = await client.post(
        "/api/commands", json={"text": "resolve 2 done", "actor": "slack:U1"}, headers=headers
    )
    assert refused.status == 422
    assert "The API client `api` may not resolve #2" in (await refused.json())["reply"]
    found = await app.service.load(2)
    assert found is not None
    assert found.resolved_at is None


async def test_a_repeated_request_id_answers_with_the_first_answer(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """The repeat says duplicate, with the first answer's incident number and reply."""
    _, client = api_served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev2 Disk full", "request_id": "r-7"}
    first = await (await client.post("/api/commands", json=body, headers=headers)).json()
    second = await (await client.post("/api/commands", json=body, headers=headers)).json()
    assert second == {**first, "duplicate": True}
    assert second["incident"] == 1


async def test_the_platform_must_be_a_configured_one(
    api_served: tuple[App, TestClient[object, object]],
) -> None:
    """`"platform": "../../etc"` is a 400 naming the valid ones; nothing is opened."""
    app, client = api_served
    headers = {"Authorization": "Bearer tok"}
    body = {"text": "open sev1 x", "platform": "../../etc"}
    response = await client.post("/api/commands", json=body, headers=headers)
    assert response.status == 400
    assert "configured chat platform: console" in (await response.json())["error"]
    assert await app.service.load(1) is None


async def test_named_api_clients_act_as_themselves_with_their_verbs(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[[api_client]]` alertmanager, token from its env var, may open and resolve: it acts as
    `api:alertmanager`; a verb not on its list is refused, audited; another token is 401."""
    monkeypatch.setenv("SEVBOT_TOKEN_ALERTMANAGER", "am-secret")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/h.db",
        api_client=[
            ApiClientSettings(
                name="alertmanager", token_env="SEVBOT_TOKEN_ALERTMANAGER", may=["open", "resolve"]
            )
        ],
    )
    app = await build_app(settings, clock=clock, chats=[chat])
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        headers = {"Authorization": "Bearer am-secret"}
        opened = await client.post(
            "/api/commands", json={"text": "open sev2 Disk full"}, headers=headers
        )
        assert opened.status == 200
        incident = await app.service.load(1)
        assert incident is not None
        assert incident.declared_by == "api:alertmanager"
        note = await client.post("/api/commands", json={"text": "note 1 hello"}, headers=headers)
        assert note.status == 422
        assert "may use: open, resolve" in (await note.json())["reply"]
        resolved = await client.post(
            "/api/commands", json={"text": "resolve 1 Disk cleaned"}, headers=headers
        )
        assert resolved.status == 200
        wrong = await client.post(
            "/api/commands", json={"text": "open sev1 x"}, headers={"Authorization": "Bearer tok"}
        )
        assert wrong.status == 401
        async with app.store.transaction() as uow:
            entries = await uow.audit_since(clock.now() - timedelta(days=1), 10)
        assert [(e.actor, e.action, e.allowed) for e in reversed(entries)][1:] == [
            ("api:alertmanager", "note", False),
            ("api:alertmanager", "resolve", True),
        ]
    finally:
        await client.close()
        await app.close()


async def test_a_client_whose_token_variable_is_unset_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The token stays in the environment; a missing one is a configuration error."""
    monkeypatch.delenv("SEVBOT_TOKEN_NOPE", raising=False)
    client = ApiClientSettings(name="nope", token_env="SEVBOT_TOKEN_NOPE")
    with pytest.raises(ValueError, match="SEVBOT_TOKEN_NOPE"):
        Settings(database_url="sqlite:///x.db", api_client=[client]).api_tokens()
