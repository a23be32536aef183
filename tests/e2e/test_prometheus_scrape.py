"""`GET /metrics` as the real Prometheus (Debian's `prometheus`) scrapes it: sevbot writes the
text format itself (bot/exposition.py, issue 20), so the reader that counts is Prometheus's own
parser. A scrape with the bearer token succeeds, every family and series is stored, and the
figures match what happened; a scrape without the token is refused.

Skipped, saying why, where the binary is missing, unless SEVBOT_REQUIRE_ALERTMANAGER=1 (CI).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bot.metrics import DURATION_BUCKETS
from tests.e2e.conftest import free_port, http, sevbot, stop, wait_healthy
from tests.e2e.test_alertmanager import PROMETHEUS, _need, start, until

METRICS_TOKEN = "scrape-token"
API_TOKEN = "ops-api-token"


def _prometheus_config(tmp: Path, sevbot_port: int) -> Path:
    """Two jobs on the same target: one with the token, one without."""
    job = {
        "scrape_interval": "1s",
        "metrics_path": "/metrics",
        "static_configs": [{"targets": [f"127.0.0.1:{sevbot_port}"]}],
    }
    config = tmp / "prometheus.yml"
    config.write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s"},
                "scrape_configs": [
                    {**job, "job_name": "sevbot", "authorization": {"credentials": METRICS_TOKEN}},
                    {**job, "job_name": "sevbot-no-token"},
                ],
            }
        ),
        encoding="utf-8",
    )
    return config


def _sevbot_config(tmp: Path) -> Path:
    """An API client that may open and acknowledge (the default one may not acknowledge)."""
    config = tmp / "sevbot.toml"
    config.write_text(
        '[[api_client]]\nname = "ops"\ntoken_env = "SEVBOT_TOKEN_OPS"\nmay = ["open", "ack"]\n',
        encoding="utf-8",
    )
    return config


def _get(port: int, path: str, **query: str) -> Any:
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return json.loads(answer.read())
    except OSError:
        return None


def _targets(port: int) -> dict[str, dict[str, Any]]:
    """Prometheus's view of each job's target, once each has been scraped."""
    answer = _get(port, "/api/v1/targets") or {}
    active = answer.get("data", {}).get("activeTargets", [])
    scraped = {t["labels"]["job"]: t for t in active if t.get("lastScrape", "").startswith("2")}
    return (
        scraped
        if len(scraped) == 2 and all(t["health"] != "unknown" for t in scraped.values())
        else {}
    )


def _value(port: int, query: str) -> list[dict[str, Any]]:
    answer = _get(port, "/api/v1/query", query=query) or {}
    return list(answer.get("data", {}).get("result", []))


def test_the_real_prometheus_scrapes_and_stores_every_series(tmp_path: Path) -> None:
    """An incident opened and acknowledged, then Prometheus scrapes: the target is up with no
    error, the counter and the histogram hold the figures, and the job without the token is
    down with sevbot's 401."""
    binary = _need(PROMETHEUS, "prometheus")
    port, prometheus_port = free_port(), free_port()
    env = {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
        "SEVBOT_TRANSCRIPT_FILE": str(tmp_path / "chat.jsonl"),
        "SEVBOT_METRICS_TOKEN": METRICS_TOKEN,
        "SEVBOT_TOKEN_OPS": API_TOKEN,
        "SEVBOT_CONFIG": str(_sevbot_config(tmp_path)),
    }
    bot = sevbot("run", env=env, cwd=tmp_path)
    prometheus = None
    try:
        wait_healthy(port, bot, tmp_path)
        url = f"http://127.0.0.1:{port}/api/commands"
        for text in ("/incident open sev1 Checkout is failing", "/incident ack 1"):
            status, body = http("POST", url, {"text": text}, token=API_TOKEN)
            assert status == 200, body
        prometheus = start(
            [
                binary,
                f"--config.file={_prometheus_config(tmp_path, port)}",
                f"--storage.tsdb.path={tmp_path / 'prom-data'}",
                f"--web.listen-address=127.0.0.1:{prometheus_port}",
            ],
            tmp_path / "prometheus.log",
        )
        targets = until("both jobs scraped", lambda: _targets(prometheus_port), seconds=60)
        assert targets["sevbot"]["health"] == "up", targets["sevbot"]
        assert targets["sevbot"]["lastError"] == ""
        assert targets["sevbot-no-token"]["health"] == "down"
        assert "401" in targets["sevbot-no-token"]["lastError"]

        opened = until(
            "the counter stored",
            lambda: _value(prometheus_port, 'sevbot_incidents_opened_total{job="sevbot"}'),
        )
        by_severity = {r["metric"]["severity"]: r["value"][1] for r in opened}
        assert by_severity == {"sev0": "0", "sev1": "1", "sev2": "0", "sev3": "0"}
        acknowledged = _value(
            prometheus_port,
            'sevbot_time_to_acknowledge_seconds_count{job="sevbot",severity="sev1"}',
        )
        assert [r["value"][1] for r in acknowledged] == ["1"]
        buckets = _value(
            prometheus_port,
            'sevbot_time_to_acknowledge_seconds_bucket{job="sevbot",severity="sev1"}',
        )
        by_bound = {float(r["metric"]["le"]): r["value"][1] for r in buckets}
        assert sorted(by_bound) == [*DURATION_BUCKETS, float("inf")]
        assert by_bound[float("inf")] == "1"
        gauges = _value(prometheus_port, 'sevbot_open_incidents{job="sevbot",severity="sev1"}')
        assert sum(float(r["value"][1]) for r in gauges) == 1
        families = _get(prometheus_port, "/api/v1/label/__name__/values") or {}
        names = {n for n in families.get("data", []) if n.startswith("sevbot_")}
        assert names >= {
            "sevbot_breaches_total",
            "sevbot_delivery_failures_total",
            "sevbot_delivery_rate_limited_total",
            "sevbot_open_action_items",
            "sevbot_outbox_backlog",
            "sevbot_outbox_dead",
            "sevbot_reminders_sent_total",
            "sevbot_time_to_resolve_seconds_sum",
        }
    finally:
        if prometheus is not None:
            stop(prometheus)
        stop(bot)
