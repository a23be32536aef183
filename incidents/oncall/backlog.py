"""The repository's urgent backlog in the handoff: open issues labelled P0 or P1 (the labels
are configurable) with their age and assignees, and open pull requests labelled `urgent`.

The list is read from GitHub before the handoff is posted; what the handoff says is what was
read then. A list that could not be read says so, with when it was last read, rather than
showing nothing (which would read as "no urgent issues").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from incidents.messages import Part
from incidents.timefmt import duration_text

MAX_LISTED = 8
STALE_AFTER = timedelta(hours=1)
"""A list read longer ago than this before the handoff is marked as old."""


@dataclass(frozen=True, slots=True)
class TrackedItem:
    """An open issue or pull request as the handoff shows it."""

    number: int
    title: str
    url: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]  # GitHub logins
    created_at: datetime
    pull_request: bool = False


@dataclass(frozen=True, slots=True)
class Backlog:
    """What was read from the repository, when, and what went wrong the last time (if it did).

    `issues` and `pulls` are from the last successful read (`read_at`); `error` is set when the
    latest attempt failed (then the lists are the older ones, or empty when none succeeded)."""

    repository: str
    issue_labels: tuple[str, ...]
    pr_labels: tuple[str, ...]
    issues: tuple[TrackedItem, ...] = ()
    pulls: tuple[TrackedItem, ...] = ()
    read_at: datetime | None = None
    error: str | None = None
    # A label had more open items than one read returns (100): the counts are "at least".
    issues_capped: bool = False
    pulls_capped: bool = False
    attempted_at: datetime | None = field(default=None, compare=False)


def _labels_text(labels: Sequence[str]) -> str:
    return "/".join(labels)


def _item_line(
    item: TrackedItem, shown_labels: Sequence[str], now: datetime, who: Callable[[str], str]
) -> str:
    wanted = {label.casefold() for label in shown_labels}
    tags = [label for label in item.labels if label.casefold() in wanted]
    prefix = f"{'/'.join(tags)} " if tags and not item.pull_request else ""
    owners = ", ".join(who(login) for login in item.assignees) or "unassigned"
    return (
        f"\n  {prefix}#{item.number} {item.title} · {duration_text(now - item.created_at)} old "
        f"· {owners} · {item.url}"
    )


def _listing(
    heading: str,
    items: Sequence[TrackedItem],
    labels: Sequence[str],
    now: datetime,
    who: Callable[[str], str],
    capped: bool = False,
) -> list[Part]:
    if not items:
        return [f"\n{heading}: none."]
    parts: list[Part] = [f"\n{heading} ({len(items)}{'+' if capped else ''}):"]
    parts += [_item_line(item, labels, now, who) for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        parts.append(f"\n  … and {len(items) - MAX_LISTED} more")
    return parts


def backlog_text(backlog: Backlog, now: datetime, who: Callable[[str], str]) -> list[Part]:
    """The handoff's GitHub section. `who` turns a login into how to show its person (the
    configured name with the login, else `@login`)."""
    repo = backlog.repository
    parts: list[Part] = []
    if backlog.read_at is None:
        said = backlog.error or "not read yet"
        wanted = " and ".join(
            text
            for text in (
                f"open {_labels_text(backlog.issue_labels)} issues" if backlog.issue_labels else "",
                f"PRs labelled {_labels_text(backlog.pr_labels)}" if backlog.pr_labels else "",
            )
            if text
        )
        return [f"\n⚠️ GitHub {repo}: the {wanted} could not be read ({said})."]
    if backlog.error is not None:
        parts.append(
            f"\n⚠️ GitHub {repo} could not be read just now ({backlog.error}); this list is from "
            f"{duration_text(now - backlog.read_at)} ago."
        )
    elif now - backlog.read_at > STALE_AFTER:
        parts.append(f"\nGitHub {repo} as read {duration_text(now - backlog.read_at)} ago.")
    if backlog.issue_labels:
        heading = f"Open {_labels_text(backlog.issue_labels)} issues on {repo}"
        parts += _listing(
            heading, backlog.issues, backlog.issue_labels, now, who, backlog.issues_capped
        )
    if backlog.pr_labels:
        heading = f"Open PRs labelled {_labels_text(backlog.pr_labels)}"
        parts += _listing(heading, backlog.pulls, backlog.pr_labels, now, who, backlog.pulls_capped)
    return parts
