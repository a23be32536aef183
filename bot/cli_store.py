"""How the CLI verbs open the store, and `sevbot migrate [--check]`.

Only `run`, `migrate`, `console` and `demo` create a database. A verb that reads (`outbox`,
`report`, `review`, `audit`, `migrate --check`) or changes what is there (`outbox retry`,
`sessions revoke`) never creates a file, a folder or a table: a URL with a typo is a one-line
error, not an empty world.
"""

from __future__ import annotations

import sys
from typing import TextIO

from incidents.ports import Store, StoreUnavailable


async def open_to_read(url: str) -> Store:
    """The store at `url`, which must exist with this sevbot's schema: nothing is created or
    migrated. `StoreUnavailable` (one line: what, where, what to do) otherwise."""
    from bot.bootstrap import known_migrations, open_store, store_where

    store = await open_store(url, migrate=False, create=False)
    try:
        version = await store.schema_version()
        due = [number for number, _ in known_migrations(url) if number > version]
    except BaseException:
        await store.close()
        raise
    if version == 0 or due:
        await store.close()
        if version == 0:
            cause = (
                "no sevbot tables in it; nothing was created: check SEVBOT_DATABASE_URL, or "
                "create them with `sevbot migrate`"
            )
        else:
            cause = (
                f"its schema is at version {version} but this sevbot reads version {due[-1]}: "
                "run `sevbot migrate` (or start `sevbot run`, which migrates at start)"
            )
        raise StoreUnavailable(store_where(url), cause, lasting=True)
    return store


async def open_existing(url: str) -> Store:
    """The store at `url`, migrated if need be, but never created (`outbox retry`,
    `sessions revoke`: they change what is there)."""
    from bot.bootstrap import open_store

    return await open_store(url, create=False)


async def migrate(url: str, *, check: bool, out: TextIO = sys.stdout) -> int:
    """`sevbot migrate`: apply what is due. `--check`: list what is due and exit 1 if any is
    (0 when up to date), changing and creating nothing."""
    from bot.bootstrap import NoDatabase, known_migrations, open_store

    known = known_migrations(url)
    if check:
        try:
            store = await open_store(url, migrate=False, create=False)
        except NoDatabase as missing:
            print(f"{missing.where} does not exist yet; nothing was created.", file=out)
            return _due(known, known, out)
    else:
        store = await open_store(url, migrate=False)
    try:
        before = await store.schema_version()
        if check:
            due = [(number, name) for number, name in known if number > before]
            if not due:
                print(f"schema is up to date (version {before})", file=out)
                return 0
            print(f"schema version {before}", file=out)
            return _due(due, known, out)
        applied = await store.migrate()
    finally:
        await store.close()
    if applied:
        listed = ", ".join(map(str, applied))
        print(f"applied migrations {listed}; schema now at {applied[-1]}", file=out)
    else:
        print(f"schema is up to date (version {before})", file=out)
    return 0


def _due(due: list[tuple[int, str]], known: list[tuple[int, str]], out: TextIO) -> int:
    """List the migrations due, say how to apply them, and return 1."""
    noun = "migration is" if len(due) == 1 else "migrations are"
    print(f"{len(due)} {noun} due (this sevbot knows up to version {known[-1][0]}):", file=out)
    for number, name in due:
        print(f"  {number:04d} {name}", file=out)
    print("apply them with `sevbot migrate` (`sevbot run` also migrates at start)", file=out)
    return 1
