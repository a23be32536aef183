"""The README documents what the product promises: the message kinds of `simulate --format jsonl`."""

from __future__ import annotations

from pathlib import Path

from incidents.messages import MessageKind

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_message_kind_is_listed_in_the_rehearsal_section() -> None:
    """Each MessageKind value appears, in backticks, in "Rehearse your policy"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Rehearse your policy") :]
    section = section[: section.index("\n## ", 3)]
    missing = [kind.value for kind in MessageKind if f"`{kind.value}`" not in section]
    assert missing == []
