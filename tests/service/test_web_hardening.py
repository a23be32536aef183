"""Web and HTTP hardening (issue 14): redirects, bad input, the access log, connection
timeouts, sign-in limiting, server-side sessions, links and the iCal 404."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.runner import web_runner
from bot.settings_model import SecretStr
from bot.web.auth import FailureLimiter, client_address
from tests.e2e.conftest import cli
from tests.fakes import RecordingChat
from tests.service.conftest import say
from tests.service.oncall_helpers import MAINTAINERS, WEDNESDAY, oncall_app

Client = TestClient[object, object]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy")


@contextlib.asynccontextmanager
async def serving(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat | None = None, **fields: Any
) -> AsyncIterator[tuple[App, Client]]:
    """The app (dashboard token `letmein`, plus `fields`) behind a real aiohttp test server."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/h.db",
        web_token=SecretStr("letmein"),
        **fields,
    )
    chats = [chat] if chat is not None else None
    app = await build_app(settings, clock=clock, chats=chats)
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        for adapter in app.adapters:
            close = getattr(adapter, "close", None)
            if close is not None:
                await close()
        await app.close()


@pytest.fixture
async def site(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, Client]]:
    """The app with a web token and an http public URL, behind a test server."""
    async with serving(tmp_path, clock, chat, public_url="http://status.example.com") as served:
        yield served


@contextlib.asynccontextmanager
async def listening(app: App) -> AsyncIterator[int]:
    """The app served as `sevbot run` serves it (bot.runner.web_runner) on a free port."""
    runner = web_runner(app.web, app.settings)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines at ERROR or above, with their traceback's last line."""
    return [
        f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ]


def form_next(page: str) -> str:
    """The hidden `next` field of the sign-in form, as a browser would submit it."""
    match = re.search(r'name="next" value="([^"]*)"', page)
    assert match, page
    return html.unescape(match.group(1))


# 1. `next` after sign-in


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%5C%5Cevil.example",
        "/%5Cevil.example",
        "//evil.example",
        "https://evil.example",
        "/%00",
        "%2F%2Fevil.example",
    ],
)
async def test_next_after_sign_in_never_leaves_the_site(
    site: tuple[App, Client], target: str
) -> None:
    """A `next` that the URL library would turn into another host sends to `/` after sign-in."""
    _, client = site
    form = await client.get(f"/login?next={target}")
    assert form.status == 200
    submitted = form_next(await form.text())
    response = await client.post(
        "/login", data={"token": "letmein", "next": submitted}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"


async def test_next_keeps_a_path_on_this_site(site: tuple[App, Client]) -> None:
    """A plain path with its query survives the sign-in round trip."""
    _, client = site
    first = await client.get("/incidents/3?tab=timeline", allow_redirects=False)
    assert first.status == 303
    form = await client.get(first.headers["Location"])
    submitted = form_next(await form.text())
    response = await client.post(
        "/login", data={"token": "letmein", "next": submitted}, allow_redirects=False
    )
    assert response.headers["Location"] == "/incidents/3?tab=timeline"


# 2. No unauthenticated input yields a 500


async def test_a_non_ascii_slack_signature_is_a_401(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """`X-Slack-Signature: v0=é` with a fresh timestamp is refused, not a TypeError and a 500."""
    async with serving(
        tmp_path,
        clock,
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr("signing-secret"),
        slack_api_url="http://127.0.0.1:9/api/",
    ) as (_, client):
        stamp = str(int(time.time()))
        for signature in ("v0=é", "v0=\u0663\u0664"):
            response = await client.post(
                "/slack/events",
                data=b"command=%2Fincident&text=help",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": signature,
                },
            )
            assert response.status == 401
            assert all(name in response.headers for name in SECURITY_HEADERS)
        unicode_digits = await client.post(
            "/slack/events",
            data=b"x",
            headers={"X-Slack-Request-Timestamp": "\u0661\u0662", "X-Slack-Signature": "v0=ab"},
        )
        assert unicode_digits.status == 401
        body = b"command=%2Fincident&text=\xff\xfe"
        # Signed as Slack would sign bytes (slack_sdk's own helper cannot: it decodes first).
        mac = hmac.new(b"signing-secret", f"v0:{stamp}:".encode() + body, hashlib.sha256)
        signed = f"v0={mac.hexdigest()}"
        not_utf8 = await client.post(
            "/slack/events",
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signed,
            },
        )
        assert not_utf8.status == 400
    assert errors(caplog) == []


async def test_bad_encodings_cookies_and_links_are_4xx_never_500(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A non-UTF-8 or unknown-charset body, a cookie `1.é` and a link `1.2.é` are refused with a
    4xx and the security headers, and nothing is logged at ERROR."""
    async with serving(
        tmp_path, clock, api_token=SecretStr("tok"), metrics_token=SecretStr("m")
    ) as (_, client):
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        multipart = FormData()
        multipart.add_field("token", "x")
        multipart.add_field("upload", b"\xff", filename="upload.bin")
        answers = {
            "login, not UTF-8": await client.post(
                "/login", data=b"token=\xff\xfe&next=/", headers=form
            ),
            "login, unknown charset": await client.post(
                "/login",
                data=b"token=x",
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=nope"},
            ),
            "login, multipart": await client.post("/login", data=multipart),
            "api, not UTF-8": await client.post(
                "/api/commands", data=b"\xff\xfe", headers={"Authorization": "Bearer tok"}
            ),
            "api, unknown charset": await client.post(
                "/api/commands",
                data=b"{}",
                headers={
                    "Authorization": "Bearer tok",
                    "Content-Type": "application/json; charset=nope",
                },
            ),
            "api, non-ASCII token": await client.post(
                "/api/commands", data=b"{}", headers={"Authorization": "Bearer é"}
            ),
            "metrics, non-ASCII token": await client.get(
                "/metrics", headers={"Authorization": "Bearer é"}
            ),
            "cookie 1.é": await client.get(
                "/", headers={"Cookie": "sevbot_session=1.é"}, allow_redirects=False
            ),
            "cookie, garbage": await client.get(
                "/", headers={"Cookie": "sevbot_session=" + "x" * 500}, allow_redirects=False
            ),
            "link 1.2.é": await client.get("/login/link?t=1.2.%C3%A9", allow_redirects=False),
            "link 1.2.%FF": await client.get("/login/link?t=1.2.%FF", allow_redirects=False),
            "link, no token": await client.get("/login/link", allow_redirects=False),
        }
        statuses = {label: answer.status for label, answer in answers.items()}
        assert statuses == {
            "login, not UTF-8": 400,
            "login, unknown charset": 400,
            "login, multipart": 415,
            "api, not UTF-8": 400,
            "api, unknown charset": 400,
            "api, non-ASCII token": 401,
            "metrics, non-ASCII token": 401,
            "cookie 1.é": 303,  # not signed in: to the sign-in form
            "cookie, garbage": 303,
            "link 1.2.é": 403,
            "link 1.2.%FF": 403,
            "link, no token": 403,
        }
        for label, answer in answers.items():
            missing = [name for name in SECURITY_HEADERS if name not in answer.headers]
            assert missing == [], label
    assert errors(caplog) == []


async def test_undecodable_bytes_in_headers_are_4xx_never_500(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Raw bytes that are not UTF-8 in a token header, the cookie or the Host give 4xx, not 500."""
    async with (
        serving(tmp_path, clock, api_token=SecretStr("tok"), metrics_token=SecretStr("m")) as (
            app,
            _,
        ),
        listening(app) as port,
    ):
        requests = {
            "api": b"POST /api/commands HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n"
            b"Content-Length: 2\r\n\r\n{}",
            "metrics": b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\n\r\n",
            "cookie": b"GET / HTTP/1.1\r\nHost: x\r\nCookie: sevbot_session=\xff\xfe\r\n\r\n",
            "host": b"GET /status/summary.json HTTP/1.1\r\nHost: \xff\r\n\r\n",
            "path": b"GET /oncall/\xff.ics HTTP/1.1\r\nHost: x\r\n\r\n",
        }
        statuses = {}
        for label, raw in requests.items():
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            status_line = await asyncio.wait_for(reader.readline(), 5)
            writer.close()
            statuses[label] = int(status_line.split()[1])
    assert statuses == {"api": 401, "metrics": 401, "cookie": 303, "host": 200, "path": 400}
    assert errors(caplog) == []


async def test_an_unexpected_error_is_a_plain_500_with_the_headers_logged_once(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler bug answers a plain 500 carrying the security headers; one ERROR with the
    traceback is logged (by sevbot, not again by aiohttp), and the details stay in the log."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/b.db")
    app = await build_app(settings, clock=clock, chats=[])

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail of the bug")

    app.web.router.add_get("/broken", broken)
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        response = await client.get("/broken", headers={"Accept": "text/html"})
        text = await response.text()
    finally:
        await client.close()
        await app.close()
    assert response.status == 500
    assert all(name in response.headers for name in SECURITY_HEADERS)
    assert "secret detail" not in text
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert "secret detail of the bug" in repr(logged[0].exc_info[1])


async def test_hsts_and_secure_cookies_when_the_public_url_is_https(
    tmp_path: Path, clock: FakeClock
) -> None:
    """With an https public URL every response, errors included, carries HSTS and the session
    cookie is Secure; with an http one there is no HSTS."""
    async with serving(tmp_path, clock, public_url="https://status.example.com") as (_, client):
        for path in ("/status", "/nope", "/login"):
            answer = await client.get(path)
            assert answer.headers["Strict-Transport-Security"] == "max-age=31536000", path
        signed_in = await client.post(
            "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
        )
        assert "Secure" in signed_in.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in signed_in.headers
    async with serving(tmp_path, clock, public_url="http://status.example.com") as (_, client):
        assert "Strict-Transport-Security" not in (await client.get("/status")).headers


async def test_a_client_hanging_up_mid_body_is_logged_at_debug(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that sends half its body and disconnects leaves a DEBUG line, not an ERROR
    traceback (one per dropped connection would flood the log)."""
    caplog.set_level(logging.DEBUG, logger="bot")
    async with (
        serving(tmp_path, clock, api_token=SecretStr("tok")) as (app, _),
        listening(app) as port,
    ):
        for path in ("/login", "/api/commands"):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100\r\n\r\ntoken=abc".encode()
            )
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.close()
        for _ in range(50):
            if sum("went away" in r.getMessage() for r in caplog.records) >= 2:
                break
            await asyncio.sleep(0.05)
    hung_up = [r for r in caplog.records if "went away" in r.getMessage()]
    assert [r.levelno for r in hung_up] == [logging.DEBUG, logging.DEBUG]
    assert errors(caplog) == []


# 3. The access log


async def test_the_access_log_holds_no_secret(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Query values of token, t, key, secret, password and code are REDACTED in the access log;
    other parameters and the path stay."""
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    rotation = MAINTAINERS | {"feed_token": "feed-s3cret"}
    async with (
        serving(
            tmp_path, clock, metrics_token=SecretStr("metrics-s3cret"), rotation=[rotation]
        ) as (app, _),
        listening(app) as port,
    ):
        import aiohttp

        async with aiohttp.ClientSession() as session:
            for path in (
                "/metrics?token=metrics-s3cret",
                "/oncall/maintainers.ics?token=feed-s3cret&alarm=1",
                "/login/link?t=123.link-s3cret.sig",
                "/status?key=k-s3cret&Password=p-s3cret&secret=s-s3cret&code=c-s3cret&page=2",
                "/status?%74oken=encoded-s3cret",
            ):
                async with session.get(f"http://127.0.0.1:{port}{path}") as answer:
                    await answer.read()
    lines = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 5
    everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in lines)
    assert "s3cret" not in everything
    assert "/metrics?token=REDACTED" in everything
    assert "/oncall/maintainers.ics?token=REDACTED&alarm=1" in everything
    assert "/login/link?t=REDACTED" in everything
    assert "page=2" in everything


# 4. Connection timeouts


async def test_an_idle_connection_is_closed(tmp_path: Path, clock: FakeClock) -> None:
    """A connection that sends nothing, or only part of its headers, is closed after
    SEVBOT_HTTP_IDLE_TIMEOUT instead of being held forever."""
    async with (
        serving(tmp_path, clock, http_idle_timeout=timedelta(seconds=0.3)) as (app, _),
        listening(app) as port,
    ):
        silent_reader, silent = await asyncio.open_connection("127.0.0.1", port)
        slow_reader, slow = await asyncio.open_connection("127.0.0.1", port)
        slow.write(b"GET /status HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert await asyncio.wait_for(silent_reader.read(), 5) == b""
        assert await asyncio.wait_for(slow_reader.read(), 5) == b""
        assert time.monotonic() - started < 3
        silent.close()
        slow.close()


async def test_a_slow_body_gets_a_408(tmp_path: Path, clock: FakeClock) -> None:
    """A body not received within SEVBOT_HTTP_BODY_TIMEOUT is answered 408 with the headers."""
    async with (
        serving(tmp_path, clock, http_body_timeout=timedelta(seconds=0.3)) as (app, _),
        listening(app) as port,
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /login HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\ntoken="
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.close()
    assert head.startswith(b"HTTP/1.1 408")
    assert b"Content-Security-Policy" in head


async def test_oversized_request_lines_and_headers_are_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A request line or header beyond 8 KiB gets a 4xx from the parser."""
    async with serving(tmp_path, clock) as (app, _), listening(app) as port:
        for raw in (
            b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            status_line = await asyncio.wait_for(reader.readline(), 5)
            writer.close()
            assert int(status_line.split()[1]) in (400, 414, 431)


# 5. Sign-in limiting


async def test_a_correct_token_from_another_address_is_not_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Behind a trusted proxy, five wrong tokens from one client block that client only: the
    right token from another client (X-Forwarded-For) still signs in."""
    async with serving(tmp_path, clock, trusted_proxies="127.0.0.1, 10.0.0.0/8") as (_, client):
        attacker = {"X-Forwarded-For": "203.0.113.9, 10.1.2.3"}
        for _ in range(5):
            wrong = await client.post("/login", data={"token": "x"}, headers=attacker)
            assert wrong.status == 401
        blocked = await client.post("/login", data={"token": "letmein"}, headers=attacker)
        assert blocked.status == 429
        colleague = await client.post(
            "/login",
            data={"token": "letmein", "next": "/"},
            headers={"X-Forwarded-For": "198.51.100.7"},
            allow_redirects=False,
        )
        assert colleague.status == 303


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(site: tuple[App, Client]) -> None:
    """Without SEVBOT_TRUSTED_PROXIES a client cannot escape the limit by inventing addresses."""
    _, client = site
    for n in range(5):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert (await client.post("/login", data={"token": "x"}, headers=headers)).status == 401
    again = await client.post(
        "/login", data={"token": "x"}, headers={"X-Forwarded-For": "198.51.100.99"}
    )
    assert again.status == 429


def test_client_address_walks_forwarded_for_through_trusted_proxies_only() -> None:
    """The client is the nearest X-Forwarded-For hop that is not a trusted proxy, when the peer
    is one; IPv6 clients count per /64."""
    trusted = Settings(
        database_url="sqlite:///unused.db", trusted_proxies="10.0.0.0/8,::1"
    ).trusted_proxies
    assert client_address("10.0.0.2", ["1.2.3.4, 5.6.7.8, 10.0.0.9"], trusted) == "5.6.7.8"
    assert client_address("192.0.2.1", ["1.2.3.4"], trusted) == "192.0.2.1"
    assert client_address("10.0.0.2", [], trusted) == "10.0.0.2"
    assert client_address("10.0.0.2", ["garbage, 10.0.0.3"], trusted) == "10.0.0.3"
    assert client_address("::1", ["2001:db8::1:2:3:4"], trusted) == "2001:db8::/64"
    assert client_address(None, [], trusted) == "unknown"


def test_the_limiter_is_bounded_in_memory() -> None:
    """The limiter forgets the oldest clients beyond `max_clients`; asking does not add one."""
    limiter = FailureLimiter(limit=2, max_clients=100)
    for n in range(1000):
        limiter.failed(f"client-{n}")
        assert limiter.retry_after(f"asking-{n}") == 0
    assert limiter.tracked() == 100
    limiter.failed("client-999")
    assert limiter.retry_after("client-999") > 0
    assert limiter.retry_after("client-0") == 0


# 6. Sessions


def session_cookie(response: Any) -> str:
    """The sevbot_session value a response sets."""
    match = re.search(r"sevbot_session=([^;]+)", response.headers["Set-Cookie"])
    assert match
    return match.group(1)


async def test_a_cookie_from_before_logout_no_longer_works(site: tuple[App, Client]) -> None:
    """Logout deletes the session in the store: replaying the old cookie is not signed in."""
    _, client = site
    signed_in = await client.post(
        "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
    )
    cookie = session_cookie(signed_in)
    headers = {"Cookie": f"sevbot_session={cookie}"}
    assert (await client.get("/", headers=headers, allow_redirects=False)).status == 200
    await client.post("/logout", headers=headers, allow_redirects=False)
    replay = await client.get("/", headers=headers, allow_redirects=False)
    assert replay.status == 303
    assert replay.headers["Location"].startswith("/login")


async def test_two_sign_ins_in_one_second_get_different_cookies(
    site: tuple[App, Client],
) -> None:
    """Session ids are random, not derived from the time: the same second gives two sessions."""
    _, client = site
    cookies = set()
    for _ in range(2):
        response = await client.post(
            "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
        )
        cookies.add(session_cookie(response))
    assert len(cookies) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie) for cookie in cookies)


async def test_sessions_expire(site: tuple[App, Client], clock: FakeClock) -> None:
    """A session lasts 12 hours in the store, whatever the browser keeps."""
    _, client = site
    response = await client.post(
        "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
    )
    headers = {"Cookie": f"sevbot_session={session_cookie(response)}"}
    clock.advance(hours=11)
    assert (await client.get("/", headers=headers, allow_redirects=False)).status == 200
    clock.advance(hours=2)
    assert (await client.get("/", headers=headers, allow_redirects=False)).status == 303


async def test_sevbot_sessions_revoke_signs_everyone_out(tmp_path: Path) -> None:
    """`sevbot sessions revoke` deletes every session and says how many were live."""
    now = FakeClock(datetime.now(UTC))  # the CLI counts live sessions by the system clock
    async with serving(tmp_path, now) as (app, client):
        cookies = []
        for _ in range(2):
            response = await client.post(
                "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
            )
            cookies.append(session_cookie(response))
        db = Path(app.settings.database_url.removeprefix("sqlite:///"))
        revoked = await asyncio.to_thread(cli, "sessions", "revoke", db=db)
        assert revoked.returncode == 0, revoked.stderr
        assert "revoked 2 dashboard sessions" in revoked.stdout
        for cookie in cookies:
            answer = await client.get(
                "/", headers={"Cookie": f"sevbot_session={cookie}"}, allow_redirects=False
            )
            assert answer.status == 303


# 7. Links


async def test_without_a_public_url_links_are_relative_whatever_the_host(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """Without SEVBOT_PUBLIC_URL a forged Host header appears in no link of the feed or
    summary.json: the links are relative."""
    async with serving(tmp_path, clock, chat) as (app, client):
        await say(app, "open sev1 Checkout failing", who="maria")
        await say(app, "status 1 --external Card payments are failing")
        forged = {"Host": "evil.example"}
        feed = await (await client.get("/status/feed.atom", headers=forged)).text()
        summary_text = await (await client.get("/status/summary.json", headers=forged)).text()
    assert "evil.example" not in feed
    assert "evil.example" not in summary_text
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed)
    assert [link.get("href") for link in root.findall(f"{atom}link")] == [
        "/status",
        "/status/feed.atom",
    ]
    summary = json.loads(summary_text)
    assert summary["page"]["url"] == "/status"
    assert summary["incidents"][0]["shortlink"] == "/status#incident-1"


async def test_with_a_public_url_links_use_it_whatever_the_host(
    site: tuple[App, Client],
) -> None:
    """With SEVBOT_PUBLIC_URL every absolute link is built from it, never from Host."""
    app, client = site
    await say(app, "open sev1 Checkout failing", who="maria")
    await say(app, "status 1 --external Card payments are failing")
    forged = {"Host": "evil.example"}
    feed = await (await client.get("/status/feed.atom", headers=forged)).text()
    summary = json.loads(await (await client.get("/status/summary.json", headers=forged)).text())
    assert "evil.example" not in feed
    assert 'href="http://status.example.com/status"' in feed
    assert summary["page"]["url"] == "http://status.example.com/status"


# 8. The iCal 404


async def test_the_ical_404_names_no_rotation(tmp_path: Path, chat: RecordingChat) -> None:
    """Asking for a rotation that does not exist says so without listing the real ones."""
    app = await oncall_app(tmp_path / "o.db", FakeClock(WEDNESDAY), chat)
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        response = await client.get("/oncall/nope.ics")
        text = await response.text()
    finally:
        await client.close()
        await app.close()
    assert response.status == 404
    assert "maintainers" not in text
