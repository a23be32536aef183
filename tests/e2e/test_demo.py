"""`sevbot demo` as a newcomer runs it: a real process, a real exit status, a real file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT


def test_demo_plays_a_whole_sev1_and_writes_the_review(tmp_path: Path) -> None:
    """Exit 0; SEV-1, the reminders and every phase shown; the review holds every update."""
    review = tmp_path / "review.md"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--review-file", str(review)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "SEV-1 · Checkout is failing for card payments" in out
    assert out.count("⏰") == 3
    assert "📣 @ana, external update due" in out
    assert "Severity raised SEV-1 → SEV-0" in out
    for phase in (
        "detection",
        "triage",
        "investigation",
        "mitigation",
        "resolution",
        "post-incident",
    ):
        assert phase in out
    assert "closed by @sam" in out
    text = review.read_text(encoding="utf-8")
    updates = re.findall(r"@\w+: /incident status (?:--external )?(.+)", out)
    assert len(updates) == 4
    for update in updates:
        assert re.search(rf"- 2026-11-2\d \d\d:\d\d UTC · @\w+ · .*{re.escape(update)}", text)
    assert "**[external]** Card payments are failing" in text
