"""The storm guard, a source's own rotation, and silence on acknowledge (Alertmanager faked
here; tests/e2e/test_alertmanager.py talks to the real one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.silences import AlertmanagerClient, SilenceError
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.alerts.model import AlertGroup
from incidents.alerts.silence import LONGEST
from tests.fakes import RecordingChat
from tests.service.alert_helpers import (
    PROMETHEUS,
    TOKENS,
    alert_entries,
    am_alert,
    am_body,
    served,
    sources,
)
from tests.service.oncall_helpers import ALICE, BOB, CAROL, DANA, MAINTAINERS, WEDNESDAY

HOOK = "/hooks/alertmanager"


async def test_beyond_the_limit_groups_join_one_storm_incident(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """max_incidents_per_minute = 2: five groups in a minute → #1 and #2 of their own, then
    one storm incident #3 listing the other three and saying why; a minute later a group
    opens its own incident again."""
    async with served(tmp_path, clock, monkeypatch, **sources(max_incidents_per_minute=2)) as s:
        for group in ("a", "b", "c", "d", "e"):
            await s.post(HOOK, am_body(am_alert(f"{group}-1"), group=group), PROMETHEUS)
        incidents = await s.incidents()
        assert [i.number for i in incidents] == [1, 2, 3]
        assert incidents[2].title.startswith("Alert storm: prometheus sent more than 2")
        entries = alert_entries(incidents[2])
        assert entries[0].startswith("Alert storm from prometheus")
        assert [e.split("{")[1].split("}")[0] for e in entries[1:]] == [
            f"alertname=HighLatency, service={group}" for group in ("c", "d", "e")
        ]
        storm_says = [m.plain_text() for m in s.of_kind("alerts") if m.incident == 3]
        assert "further groups join this incident" in storm_says[0]
        clock.advance(minutes=1)
        await s.post(HOOK, am_body(am_alert("f-1"), group="f"), PROMETHEUS)
        assert [i.number for i in await s.incidents()] == [1, 2, 3, 4]


async def test_a_source_with_its_own_rotation_pages_and_escalates_in_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rotation = "sre"`: the alert pages sre's primary (dana), not the `page` rule's
    maintainers (alice); its escalation pages sre's backup (carol)."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    clock.set(WEDNESDAY)
    sre = {**MAINTAINERS, "name": "sre", "members": [DANA, CAROL], "channel": {}}
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/rot.db",
        rotation=[MAINTAINERS, sre],
        page="maintainers",
        **sources(rotation="sre"),
    )
    chat = RecordingChat()
    app = await build_app(settings, clock=clock, chats=[chat])
    try:
        assert app.alerts is not None
        assert await app.alerts.intake.record(
            "prometheus", "alertmanager", am_body(am_alert("db-1")), severity_label="severity"
        )
        await app.alerts.settle()
        clock.advance(minutes=16)
        await app.scheduler.fire_due()
        await app.dispatcher.deliver_due()
        paged = [m.recipient for m in chat.messages if m.kind == "page" and m.incident == 1]
        assert paged == [DANA, CAROL]
        assert ALICE not in paged
        assert BOB not in paged
    finally:
        await app.close()


@dataclass
class FakeAlertmanager(AlertmanagerClient):
    """Records the silences sevbot asks for; `down` makes every call fail."""

    created: list[tuple[str, tuple[tuple[str, str], ...], datetime]] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    down: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    async def create(
        self, url: str, group: AlertGroup, starts: datetime, ends: datetime, comment: str
    ) -> str:
        """A new silence id, unless down."""
        if self.down:
            raise SilenceError("connection refused")
        self.created.append((url, group.matchers(), ends))
        return f"silence-{len(self.created)}"

    async def expire(self, url: str, silence_id: str) -> None:
        """Record the expiry, unless down."""
        if self.down:
            raise SilenceError("connection refused")
        self.expired.append(silence_id)


async def test_acknowledging_silences_the_group_until_resolution(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With alertmanager_url: nothing is silenced before the acknowledgement; after it, the
    group's labels are silenced (retried while Alertmanager is down) and the silence id is on
    the timeline; resolving expires it, and that is on the timeline too."""
    fields = sources(alertmanager_url="http://alertmanager:9093")
    async with served(tmp_path, clock, monkeypatch, **fields) as s:
        assert s.alerts.silencer is not None
        fake = FakeAlertmanager(down=True)
        s.alerts.silencer.client = fake
        await s.post(HOOK, am_body(am_alert("db-1")), PROMETHEUS)
        await fire(s, clock, seconds=31)
        assert fake.created == []
        await s.app.service.handle_text("ack 1", actor="console:sam", platform="console")
        await fire(s, clock, seconds=1)
        assert fake.created == []  # down: tried, and tried again on the next pass
        fake.down = False
        await fire(s, clock, seconds=30)
        assert fake.created == [
            (
                "http://alertmanager:9093",
                (("alertname", "HighLatency"), ("service", "api")),
                clock.now() + LONGEST,
            )
        ]
        assert "silence silence-1" in alert_entries(await s.incident(1))[-1]
        await s.app.service.handle_text(
            "resolve 1 Rolled back", actor="console:sam", platform="console"
        )
        await fire(s, clock, seconds=1)
        assert fake.expired == ["silence-1"]
        assert "Expired Alertmanager silence silence-1" in alert_entries(await s.incident(1))[-1]
        await fire(s, clock, seconds=60)
        assert len(fake.created) == 1


async def fire(s: Any, clock: FakeClock, **delta: float) -> None:
    """Let pokes land, advance the clock, run what is due and deliver."""
    await s.alerts.settle()
    clock.advance(**delta)
    await s.app.scheduler.fire_due()
    await s.app.dispatcher.deliver_due()
