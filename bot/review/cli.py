"""The bodies of `sevbot review <number>` and `sevbot report`, kept out of the argument parsing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.clock import SystemClock
from bot.config import Settings
from bot.durations import parse_since
from bot.names import names_in
from bot.report import build_report, render
from bot.review.markdown import (
    ReviewTemplateError,
    UnknownTimeZone,
    reader_zone_named,
    render_review,
)
from incidents.ports import Clock
from incidents.review import review_facts


def review_file_name(number: int) -> str:
    """`incident-42-review.md`: where the review draft goes by default."""
    return f"incident-{number}-review.md"


async def write_review(
    settings: Settings,
    number: int,
    *,
    output: str | None = None,
    zone: str | None = None,
    clock: Clock | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Render incident `number`'s review to `output` (default incident-N-review.md; `-`: out)."""
    from bot.cli_store import open_to_read

    try:
        reader_zone = reader_zone_named(zone)
    except UnknownTimeZone as error:
        print(f"sevbot: {error}", file=err)
        return 2
    store = await open_to_read(settings.database_url)
    try:
        async with store.transaction() as uow:
            incident = await uow.load(number)
            names = await names_in(uow, incident.named_people if incident else ())
    finally:
        await store.close()
    if incident is None:
        print(f"sevbot: there is no incident #{number}.", file=err)
        return 1
    now = (clock or SystemClock()).now()
    try:
        markdown = render_review(
            review_facts(incident, settings.domain_policy(), now),
            template_path=settings.review_template,
            reader_zone=reader_zone,
            names=names,
        )
    except ReviewTemplateError as error:
        print(f"sevbot: {error.message}", file=err)
        return 1
    if output == "-":
        out.write(markdown)
        return 0
    path = Path(output or review_file_name(number))
    await asyncio.to_thread(path.write_text, markdown, encoding="utf-8")
    print(f"Wrote the review draft of #{number} to {path}", file=out)
    return 0


async def print_report(
    settings: Settings,
    *,
    since: str = "30d",
    fmt: str = "table",
    clock: Clock | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Print the incident report for the window `since` (e.g. 30d) in `fmt`."""
    from bot.cli_store import open_to_read

    now = (clock or SystemClock()).now()
    try:
        start = parse_since(since, now)
    except ValueError as error:
        print(f"sevbot: --since: {error}", file=err)
        return 2
    store = await open_to_read(settings.database_url)
    try:
        report = await build_report(store, settings.domain_policy(), start, now)
    finally:
        await store.close()
    out.write(render(report, fmt))
    return 0
