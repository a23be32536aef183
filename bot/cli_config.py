"""`sevbot config check [FILE]`: validate a configuration as `sevbot run` would read it, and
print the effective settings (environment over file over defaults) with secrets masked."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.config import ConfigError, load_settings
from bot.config_file import ENV, ConfigFile, find_config
from bot.config_summary import effective_toml, summary_line


def add_parser(commands: Any) -> None:
    """`config check [FILE]` on the CLI's sub-command list."""
    config = commands.add_parser("config", help="check a configuration file")
    verbs = config.add_subparsers(dest="config_verb", required=True, metavar="VERB")
    check = verbs.add_parser(
        "check",
        help="validate a sevbot.toml and print the effective settings, secrets masked",
        description=(
            "Validate FILE (default: SEVBOT_CONFIG, else ./sevbot.toml, else the environment "
            "alone) as `sevbot run` reads it, and print the effective settings as TOML: the "
            "environment over the file over the defaults, every secret masked. Exit 1 with "
            "one line naming the bad setting when it is invalid."
        ),
    )
    check.add_argument("file", nargs="?", help="the file to check")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`sevbot config check`: 0 and the settings, or 1 and one line saying what is wrong."""
    from bot.bootstrap import store_where
    from bot.preflight import start_up_problem
    from bot.review.markdown import ReviewTemplateError, load_template

    found = find_config()
    if args.file is not None:
        if not Path(args.file).is_file():
            print(f"sevbot: config check: no file at `{args.file}`", file=err)
            return 1
        os.environ[ENV] = args.file
        found = ConfigFile(Path(args.file), "given on the command line")
    try:
        settings = load_settings()
        problem = start_up_problem(settings)
        if problem is not None:
            raise ConfigError(problem)
        if settings.review_template is not None:
            load_template(settings.review_template)
    except ConfigError as error:
        print(f"sevbot: {error}", file=err)
        return 1
    except ReviewTemplateError as error:
        print(f"sevbot: {error.message}", file=err)
        return 1
    print(f"# {found.describe()}", file=out)
    print(f"# valid: {summary_line(settings, store_where(settings.database_url))}", file=out)
    print(
        "# The effective settings (environment over file over defaults), secrets masked:", file=out
    )
    print(effective_toml(settings), file=out, end="")
    return 0
