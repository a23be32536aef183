"""Which `sevbot.toml` is in use, and reading it: `SEVBOT_CONFIG`, else `./sevbot.toml`, else
none. Its top-level keys are checked against the settings, so a misspelt key is an error that
names it rather than a default silently kept."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV = "SEVBOT_CONFIG"
LOCAL = "sevbot.toml"


class ConfigError(Exception):
    """A setting with a bad value: the message names it and says what is valid."""


@dataclass(frozen=True)
class ConfigFile:
    """The configuration file found, and what named it (`SEVBOT_CONFIG`, `./sevbot.toml`)."""

    path: Path | None
    origin: str

    def describe(self) -> str:
        """`configuration: /etc/sevbot/sevbot.toml (SEVBOT_CONFIG)`, or that there is none."""
        if self.path is None:
            return f"configuration: none (no {ENV}, no ./{LOCAL}): the environment and the defaults"
        return f"configuration: {self.path.absolute()} ({self.origin})"


def find_config() -> ConfigFile:
    """The file `SEVBOT_CONFIG` names (which must exist), else `./sevbot.toml`, else none."""
    named = os.environ.get(ENV, "").strip()
    if named:
        return ConfigFile(Path(named), ENV)
    if Path(LOCAL).is_file():
        return ConfigFile(Path(LOCAL), f"./{LOCAL} in the working directory")
    return ConfigFile(None, "none")


def read_config(found: ConfigFile) -> dict[str, Any]:
    """The file's TOML as a dict ({} without a file); ConfigError naming the file when it is
    missing, unreadable or not TOML."""
    if found.path is None:
        return {}
    if not found.path.is_file():
        raise ConfigError(f"{ENV}: no file at `{found.path}` (it should be a sevbot.toml).")
    try:
        with found.path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{found.path}: cannot read it: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{found.path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{found.path}: not valid TOML: it is not UTF-8 text") from None


def check_keys(path: Path, document: dict[str, Any], known: Collection[str]) -> None:
    """ConfigError naming the first top-level key that is no setting (keys are read without
    regard to case, as the settings are), with the nearest known one."""
    names = {name.lower() for name in known}
    for key in document:
        if key.lower() in names:
            continue
        import difflib  # only for a mistake: not loaded at every start

        near = difflib.get_close_matches(key.lower(), sorted(names), n=1)
        hint = f"; did you mean `{near[0]}`?" if near else ""
        raise ConfigError(
            f"{path}: `{key}` is not a setting{hint} (sevbot.example.toml lists every one)"
        )
