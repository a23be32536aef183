"""Every command the README names exists (issue 17): each `sevbot …` verb in its code answers
`--help`, and each `./dev …` command is one `./dev help` lists."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess

import pytest

from bot.cli import _parser, main
from tests.e2e.conftest import ROOT

README = ROOT / "README.md"
FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`]+)`")  # a span may wrap onto the next line
SEVBOT = re.compile(r"(?:^|[\s/])sevbot((?: [a-z][a-z-]*)+)")
DEV = re.compile(r"(?:^|\s)\./dev ([a-z]+)")


def code_in_readme() -> list[str]:
    """The README's code: fenced blocks and inline spans."""
    text = README.read_text(encoding="utf-8")
    blocks = FENCED.findall(text)
    prose = FENCED.sub("", text)
    return blocks + [" ".join(span.split()) for span in INLINE.findall(prose)]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's sub-commands by name ({} when it has none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def sevbot_commands() -> set[tuple[str, ...]]:
    """Each `sevbot VERB [SUBVERB]` in the README's code, as far as the words are commands
    (so `sevbot outbox retry <id>` is ("outbox", "retry"), `sevbot run` is ("run",))."""
    found: set[tuple[str, ...]] = set()
    for code in code_in_readme():
        for match in SEVBOT.finditer(code):
            words = match.group(1).split()
            parser, command = _parser(), []
            for word in words:
                choices = subcommands(parser)
                if not choices:
                    break
                command.append(word)
                if word not in choices:
                    break  # an unknown verb: kept, so the test names it
                parser = choices[word]
            found.add(tuple(command))
    return found


def dev_commands() -> set[str]:
    """Each `./dev COMMAND` in the README's code."""
    return {match for code in code_in_readme() for match in DEV.findall(code)}


def test_the_readme_names_commands() -> None:
    """The extraction finds the commands the README is known to show (a guard on itself)."""
    assert {("run",), ("migrate",), ("outbox", "retry"), ("config", "check")} <= (sevbot_commands())
    assert {"demo", "check", "run"} <= dev_commands()


@pytest.mark.parametrize("command", sorted(sevbot_commands()), ids=" ".join)
def test_each_sevbot_command_in_the_readme_answers_help(command: tuple[str, ...]) -> None:
    """`sevbot <command> --help` exits 0 and prints its usage."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0, command
    assert out.getvalue().startswith(f"usage: sevbot {' '.join(command)}")


def test_each_dev_command_in_the_readme_is_one_dev_help_lists() -> None:
    """Every `./dev X` the README names is listed by `./dev help`."""
    shown = subprocess.run(
        [str(ROOT / "dev"), "help"], capture_output=True, text=True, timeout=30, check=True
    )
    listed = {line.split()[1] for line in shown.stdout.splitlines() if line.startswith("  ./dev")}
    assert dev_commands() <= listed, dev_commands() - listed
