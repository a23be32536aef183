"""The status page and the dashboard in a real browser, as customers and responders see them."""

from __future__ import annotations

from typing import Any

from bot.bootstrap import App
from tests.browser.conftest import artifact

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


async def _sev1(app: App) -> None:
    for text in (
        "open sev1 Disk 95% on db-3",
        "status 1 Internal only: suspect deploy 8812",
        'status 1 --external --title "Checkout <script>alert(1)</script> failing" '
        "Card payments are failing; we are on it",
    ):
        outcome = await app.service.handle_text(text, actor="console:sam", platform="console")
        assert outcome.ok, outcome.reply_text


async def _page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str]]:
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    return context, page, problems


async def test_status_page_in_the_browser(browser: Any, server: tuple[App, str]) -> None:
    """External update shown, internal not; the state; the published title holding HTML
    renders as text; the internal title is not shown."""
    app, base = server
    await _sev1(app)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page, problems = await _page(browser, viewport)
        await page.goto(f"{base}/status")
        assert (await page.text_content("#overall")).strip() == "Partial System Outage"
        body = await page.text_content("main")
        assert "Card payments are failing; we are on it" in body
        assert "Internal only" not in body
        assert "db-3" not in body
        assert "Checkout <script>alert(1)</script> failing" in body
        assert await page.locator("script").count() == 0
        await page.screenshot(path=artifact(f"status-{name}.png"), full_page=True)
        assert problems == []
        await context.close()


async def test_feed_and_json_load(browser: Any, server: tuple[App, str]) -> None:
    """The Atom feed and summary.json are served and parse in the browser's own fetch."""
    app, base = server
    await _sev1(app)
    context, page, _ = await _page(browser, DESKTOP)
    await page.goto(f"{base}/status")
    summary = await page.evaluate("fetch('/status/summary.json').then(r => r.json())")
    assert summary["status"]["indicator"] == "major"
    entries = await page.evaluate(
        "fetch('/status/feed.atom').then(r => r.text()).then(t =>"
        " new DOMParser().parseFromString(t, 'application/xml').getElementsByTagName('entry').length)"
    )
    assert entries == 1
    await context.close()


async def test_dashboard_login_countdowns_and_timeline(
    browser: Any, server: tuple[App, str]
) -> None:
    """Refused without login; the token signs in; countdowns tick; the timeline is there."""
    app, base = server
    await _sev1(app)
    hostile = await app.service.handle_text(
        "open sev2 Queue <script>alert(1)</script> stuck", actor="console:sam", platform="console"
    )
    assert hostile.ok, hostile.reply_text
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, page, problems = await _page(browser, viewport)
        await page.goto(f"{base}/")
        assert page.url.startswith(f"{base}/login")
        await page.fill("#token", "wrong")
        await page.click("button[type=submit]")
        assert "That token is not right" in await page.text_content("main")
        problems.clear()  # the 401 of the wrong token is expected
        await page.fill("#token", "letmein")
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/")
        countdown = page.locator("#incident-1 time.countdown .rel").first
        await page.wait_for_function(
            "document.querySelector('#incident-1 time.countdown .rel').textContent.startsWith('in ')"
        )
        assert (await countdown.text_content()).startswith("in ")
        assert "Disk 95% on db-3" in await page.text_content("#incident-1")  # internal title
        assert "Queue <script>alert(1)</script> stuck" in await page.text_content("#incident-2")
        assert await page.locator("#incident-2 script").count() == 0
        await page.screenshot(path=artifact(f"dashboard-{name}.png"), full_page=True)
        await page.click("#incident-1 a")
        await page.wait_for_url(f"{base}/incidents/1")
        timeline = await page.text_content("ol.timeline")
        assert "Internal only: suspect deploy 8812" in timeline
        assert "Card payments are failing" in timeline
        await page.screenshot(path=artifact(f"incident-{name}.png"), full_page=True)
        assert problems == []
        await context.close()
