"""A plain `pip install sevbot` talks to PostgreSQL (issue 17, finding 3): a fresh virtualenv,
sevbot installed from this checkout without extras, then `sevbot migrate`, `migrate --check`,
a read-only verb and `sevbot run` against a new database on the PostgreSQL test server.

It needs SEVBOT_TEST_POSTGRES_URL (skipped without it, saying why; a failure under
SEVBOT_REQUIRE_POSTGRES=1) and takes about a minute: pip builds sevbot and installs its
dependencies (from pip's cache when it has them).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.contract.backends import HINT, missing
from tests.e2e.conftest import ROOT, free_port, wait_healthy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
SOURCES = ("incidents", "bot", "adapters", "pyproject.toml", "README.md")


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    url = os.environ.get("SEVBOT_TEST_POSTGRES_URL", "")
    if not url:
        missing(HINT)
    name = f"sevbot_plain_{secrets.token_hex(4)}"
    try:
        admin = await asyncpg.connect(url, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        missing(f"PostgreSQL at {url} is unreachable: {error!r}")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def plain_install(folder: Path) -> Path:
    """A new virtualenv in `folder` with sevbot from this checkout, no extras; its bin/."""
    source = folder / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv / "bin"


def test_plain_pip_install_migrates_and_runs_on_postgresql(tmp_path: Path, database: str) -> None:
    """Without extras: `migrate` applies the migrations, `migrate --check` then exits 0,
    `outbox` reads the store, and `sevbot run` answers /healthz 200 and stops on SIGTERM."""
    bin_dir = plain_install(tmp_path)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "SEVBOT_DATABASE_URL": database}

    def sevbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / "sevbot"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    before = sevbot("migrate", "--check")
    assert before.returncode == 1, before.stderr
    assert "due" in before.stdout
    migrated = sevbot("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("applied migrations 1, ")
    assert sevbot("migrate", "--check").returncode == 0
    listed = sevbot("outbox")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("outbox: 0 pending")
    port = free_port()
    with (tmp_path / "sevbot.log").open("ab") as log:
        process = subprocess.Popen(
            [str(bin_dir / "sevbot"), "run"],
            cwd=tmp_path,
            env=env | {"PORT": str(port), "SEVBOT_HOST": "127.0.0.1"},
            stdout=log,
            stderr=log,
        )
    try:
        wait_healthy(port, process, tmp_path, seconds=30)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in (tmp_path / "sevbot.log").read_text(errors="replace")
