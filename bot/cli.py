"""The `sevbot` command line: run, demo, simulate, console, migrate, outbox, review, report,
audit, sessions, config."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import cli_config
from bot.cli_store import migrate, open_existing, open_to_read
from bot.config import ConfigError, Settings, load_settings
from bot.names import names_in
from incidents.access import AuditEntry
from incidents.messages import mentioned, render_plain
from incidents.names import NO_NAMES, Names
from incidents.ports import OutboxItem, StoreUnavailable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sevbot", description="Incident response in chat.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the bot (HTTP, scheduler, outbox, chat adapters)")
    demo = commands.add_parser("demo", help="play a whole SEV-1 with a simulated clock")
    demo.add_argument(
        "--review-file", default="incident-1-review.md", help="where to write the review draft"
    )
    simulate = commands.add_parser(
        "simulate", help="rehearse a scenario against your policy and rotations (simulated clock)"
    )
    simulate.add_argument(
        "scenario", help="the scenario file (see the README: Rehearse your policy)"
    )
    simulate.add_argument("--config", help="the sevbot.toml to rehearse (default: SEVBOT_CONFIG)")
    simulate.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="a transcript, or JSON lines"
    )
    console = commands.add_parser("console", help="type /incident commands locally")
    console.add_argument("--as", dest="who", default="you", help="your name in the transcript")
    console.add_argument(
        "--files",
        default=".",
        metavar="DIR",
        help="where review drafts the bot posts are written (default: the current folder)",
    )
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--check", action="store_true", help="only say whether any are due")
    outbox = commands.add_parser("outbox", help="list undelivered (or all) outbox messages")
    outbox.add_argument("--all", action="store_true", help="include delivered messages")
    outbox.add_argument("--limit", type=int, default=50)
    outbox.add_argument("--format", choices=("table", "json"), default="table")
    outbox_verbs = outbox.add_subparsers(dest="outbox_verb", metavar="VERB")
    retry = outbox_verbs.add_parser("retry", help="send given-up (dead) messages again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the outbox id (see `sevbot outbox`)")
    which.add_argument("--dead", action="store_true", help="every given-up message")
    review = commands.add_parser("review", help="write an incident's post-incident review draft")
    review.add_argument("number", type=int, help="the incident number")
    review.add_argument(
        "-o", "--output", help="file to write (default incident-<n>-review.md; `-`: stdout)"
    )
    review.add_argument("--tz", help="also show times in this zone, e.g. Europe/Paris")
    report = commands.add_parser("report", help="incident figures: MTTA, MTTR, breaches, reviews")
    report.add_argument("--since", default="30d", help="a window like 30d or 2w, or a date")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    audit = commands.add_parser("audit", help="the audit log: privileged actions and refusals")
    audit.add_argument("--since", default="7d", help="a window like 7d or 2w, or a date")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    sessions = commands.add_parser("sessions", help="dashboard sign-in sessions")
    sessions_verbs = sessions.add_subparsers(dest="sessions_verb", required=True, metavar="VERB")
    sessions_verbs.add_parser("revoke", help="sign everyone out of the dashboard")
    cli_config.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sevbot` console script. An expected failure (the database
    unreachable, missing or read-only, its driver not installed, a file not writable) is one
    line on stderr that names what and where, and exit status 1: never a traceback."""
    try:
        return _verb(argv)
    except KeyboardInterrupt:  # Ctrl-C before or between the steps that handle it: quietly
        return 130
    except StoreUnavailable as error:
        print(f"sevbot: {error}", file=sys.stderr)
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"sevbot: {where}{error.strerror or error}", file=sys.stderr)
    except RuntimeError as error:
        from bot.bootstrap import SchemaTooNew

        if not isinstance(error, SchemaTooNew):
            raise
        print(f"sevbot: {error}", file=sys.stderr)
    return 1


def _verb(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the verb."""
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        return _simulate(args.scenario, config=args.config, fmt=args.format)
    if args.command == "config":
        return cli_config.run(args)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"sevbot: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "demo":
        from bot.local import run_demo

        return asyncio.run(run_demo(sys.stdout, Path(args.review_file)))
    if args.command == "console":
        from bot.local import run_console

        try:
            return asyncio.run(
                run_console(
                    settings, args.who, sys.stdin, sys.stdout, files_dir=Path(args.files).absolute()
                )
            )
        except KeyboardInterrupt:  # Ctrl-C with piped input: the end, quietly (at a terminal
            return 130  # it only clears the line)
    if args.command == "migrate":
        return asyncio.run(migrate(settings.database_url, check=args.check))
    if args.command == "sessions":
        return asyncio.run(_revoke_sessions(settings))
    if args.command == "outbox" and args.outbox_verb == "retry":
        return asyncio.run(_outbox_retry(settings, item_id=args.id))
    if args.command == "outbox":
        return asyncio.run(
            _outbox(settings, everything=args.all, limit=args.limit, fmt=args.format)
        )
    if args.command == "audit":
        return asyncio.run(_audit(settings, since=args.since, fmt=args.format))
    if args.command in ("review", "report"):
        from bot.review.cli import print_report, write_review

        if args.command == "review":
            return asyncio.run(
                write_review(settings, args.number, output=args.output, zone=args.tz)
            )
        return asyncio.run(print_report(settings, since=args.since, fmt=args.format))
    _lighter_web_stack()
    from bot.runner import serve  # the web stack and the chat adapters: only for `run`

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(serve(settings))
    except Exception as error:  # start-up failures: say what, not a traceback
        print(f"sevbot: {error}", file=sys.stderr)
        return 1
    return 0


def _simulate(path: str, *, config: str | None, fmt: str) -> int:
    """`sevbot simulate`: a bad scenario line or configuration stops before anything runs (2)."""
    from bot.scenario import ScenarioError, parse_scenario

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"sevbot: cannot read the scenario {path}: {error}", file=sys.stderr)
        return 2
    try:
        steps = parse_scenario(text, path)
    except ScenarioError as error:
        print(str(error), file=sys.stderr)
        return 2
    if config is not None:
        if not Path(config).is_file():
            print(f"sevbot: --config: no file at `{config}`", file=sys.stderr)
            return 2
        os.environ["SEVBOT_CONFIG"] = config
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"sevbot: {error}", file=sys.stderr)
        return 2
    setup_logging("WARNING")  # the transcript is the output; only problems go to stderr
    from bot.local import run_simulation

    asyncio.run(run_simulation(settings, steps, sys.stdout, fmt=fmt))
    return 0


def setup_logging(level: str) -> None:
    """Plain, greppable log lines on stderr."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _lighter_web_stack() -> None:
    """Before `run` imports aiohttp, two savings of resident memory (issue 20), neither
    changing what is served:
    - aiohttp's signal lists (frozenlist) in pure Python: frozenlist's compiled extension is
      C++, and loading libstdc++ for it costs about 1 MiB, while a request walks those lists
      once or twice. frozenlist reads the variable at import; a value already set is kept.
    - aiohttp builds its table of static files' content types at import from Python's own
      table, and `mimetypes.MimeTypes()` would first load the system's /etc/mime.types into
      the module's global table, which nothing here uses (0.3 MiB). Marked initialised, the
      global table is still loaded, in full, by the first `mimetypes.guess_type` if any."""
    os.environ.setdefault("FROZENLIST_NO_EXTENSIONS", "1")
    import mimetypes

    mimetypes.inited = True


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (it is, except on Windows): it roughly halves
    the CPU time of each HTTP call and gateway frame, which is what a burst of chat commands
    queues on. None means asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _outbox_row(item: OutboxItem, names: Names = NO_NAMES) -> dict[str, object]:
    state = "delivered" if item.delivered_at else "dead" if item.dead_at else "pending"
    return {
        "id": item.id,
        "state": state,
        "platform": item.platform,
        "incident": item.message.incident,
        "kind": item.message.kind,
        "attempts": item.attempts,
        "created_at": item.created_at.isoformat(),
        "next_attempt_at": None
        if item.delivered_at or item.dead_at
        else item.next_attempt_at.isoformat(),
        "last_error": item.last_error,
        "rate_limits": item.rate_limits,
        "claimed_by": item.claimed_by,
        "text": render_plain(item.message.text, names),
    }


async def _audit(settings: Settings, *, since: str, fmt: str) -> int:
    from bot.audit import print_audit

    store = await open_to_read(settings.database_url)
    try:
        return await print_audit(store, since=since, fmt=fmt)
    finally:
        await store.close()


def _operator() -> str:
    """Who runs the command line (for the audit log); `operator` when the system cannot say."""
    import getpass  # the operator's verbs only: not loaded by `sevbot run`

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


async def _revoke_sessions(settings: Settings) -> int:
    """`sevbot sessions revoke`: delete every dashboard session; say how many were live."""
    from bot.clock import SystemClock

    store = await open_existing(settings.database_url)
    try:
        now = SystemClock().now()
        async with store.transaction() as uow:
            count = await uow.revoke_all_sessions(now)
            await uow.append_audit(
                AuditEntry(
                    at=now,
                    actor=f"cli:{_operator()}",
                    action="sessions revoke",
                    what="sign everyone out of the dashboard",
                    allowed=True,
                    reason=f"operator at the command line; {count} live sessions revoked",
                )
            )
    finally:
        await store.close()
    print(f"revoked {count} dashboard session{'' if count == 1 else 's'}")
    return 0


async def _outbox_retry(settings: Settings, *, item_id: int | None) -> int:
    """`sevbot outbox retry <id>|--dead`: given-up messages are due again (a running sevbot
    sends them within seconds); audited."""
    from bot.clock import SystemClock

    store = await open_existing(settings.database_url)
    try:
        now = SystemClock().now()
        async with store.transaction() as uow:
            revived = await uow.revive_outbox(None if item_id is None else [item_id], now)
            if revived:
                await uow.append_audit(
                    AuditEntry(
                        at=now,
                        actor=f"cli:{_operator()}",
                        action="outbox retry",
                        what=f"send outbox messages {', '.join(map(str, revived))} again",
                        allowed=True,
                        reason="operator at the command line",
                    )
                )
    finally:
        await store.close()
    if item_id is not None and not revived:
        print(
            f"sevbot: outbox message {item_id} is not a given-up message; only those (state "
            "`dead` in `sevbot outbox`) can be sent again",
            file=sys.stderr,
        )
        return 1
    if not revived:
        print("no given-up messages to send again")
        return 0
    noun = "message" if len(revived) == 1 else "messages"
    print(f"sending {len(revived)} {noun} again: {', '.join(map(str, revived))}")
    return 0


async def _outbox(settings: Settings, *, everything: bool, limit: int, fmt: str) -> int:
    store = await open_to_read(settings.database_url)
    try:
        items = await store.list_outbox(undelivered_only=not everything, limit=limit)
        counts = await store.outbox_counts()
        behind = await store.waiting_behind()
        async with store.transaction() as uow:
            names = await names_in(uow, [p for i in items for p in mentioned(i.message.text)])
    finally:
        await store.close()
    rows = [_outbox_row(item, names) | {"waiting_behind": behind.get(item.id, 0)} for item in items]
    if fmt == "json":
        print(json.dumps({"counts": counts, "items": rows}, indent=2, ensure_ascii=False))
        return 0
    summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("pending", "dead", "delivered"))
    print(f"outbox: {summary}")
    if not rows:
        print("nothing to show" + ("" if everything else " (use --all for delivered messages)"))
        return 0
    header = (
        f"{'ID':>6}  {'STATE':<9}  {'INC':>4}  {'KIND':<20}  {'TRIES':>5}  {'LAST ERROR / TEXT'}"
    )
    print(header)
    for row in rows:
        detail = str(row["last_error"] or row["text"]).replace("\n", " ")[:70]
        print(
            f"{row['id']:>6}  {row['state']:<9}  {row['incident'] or '-':>4}  "
            f"{str(row['kind'])[:20]:<20}  {row['attempts']:>5}  {detail}"
        )
        if row["waiting_behind"]:
            print(
                f"{'':>6}  ↳ {row['waiting_behind']} more of incident #{row['incident']} "
                "wait behind it"
            )
    return 0
