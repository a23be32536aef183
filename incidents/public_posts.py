"""What a command published about an incident, as posts for a public issue tracker (a GitHub
issue per public incident), and the action items that want an issue of their own.

Only what the status page shows is posted (`incidents.statuspage`): for an incident that is
public, each new external update (under the public title, never the internal one, with the
status it was posted with), the resolution, and a post-incident summary published after it. A
post is a `Message` whose kind says what the tracker does with it: `EXTERNAL_UPDATE` opens the
issue (the first) or comments, `RESOLVED` comments and closes it; a resolved incident that is
reopened posts an `EXTERNAL_UPDATE` with the status `Reopened`, which reopens its thread.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from incidents.messages import Audience, Fact, Message, MessageKind
from incidents.model import ActionItem, Incident
from incidents.policy import Policy
from incidents.severity import Severity
from incidents.statuspage import is_public, public_view

SUMMARY = "Post-incident summary"
STATUS = "Status"
REOPENED = "Reopened"  # the status of the post that reopens a closed thread


def _post(incident: Incident, kind: MessageKind, title: str, text: str, label: str) -> Message:
    return Message(
        kind=kind,
        audience=Audience.INCIDENT,
        incident=incident.number,
        title=title,
        text=(text,),
        facts=(Fact(STATUS, (label,)),),
    )


def public_posts(before: Incident, after: Incident, policy: Policy) -> tuple[Message, ...]:
    """The posts for what `after` published beyond `before` (nothing when it is not public)."""
    if not is_public(after, policy.status_page.public_severities):
        return ()
    view = public_view(after, policy.status_page.default_title)
    known = sum(1 for u in before.status_updates if u.external)
    published = sorted(view.updates, key=lambda u: (u.at, u.seq))
    if view.summary is not None:
        published.append(view.summary)
    posts = []
    if before.resolved_at is not None and after.resolved_at is None:
        text = "This incident was reopened; updates follow here."
        posts.append(_post(after, MessageKind.EXTERNAL_UPDATE, view.title, text, REOPENED))
    for update in published[known:]:
        summary = view.summary is not None and update is view.summary
        label = SUMMARY if summary else update.status.label
        posts.append(_post(after, MessageKind.EXTERNAL_UPDATE, view.title, update.text, label))
    if before.resolved_at is None and after.resolved_at is not None:
        text = "This incident is resolved."
        posts.append(_post(after, MessageKind.RESOLVED, view.title, text, "Resolved"))
    return tuple(posts)


def issue_subject(incident: int) -> str:
    """What a public incident's issue is for: `incident:42`."""
    return f"incident:{incident}"


def action_subject(incident: int, item: int) -> str:
    """What an action item's issue is for: `action:42:1`."""
    return f"action:{incident}:{item}"


def parse_action_subject(subject: str) -> tuple[int, int] | None:
    """`action:42:1` → (42, 1); None for anything else."""
    kind, _, rest = subject.partition(":")
    incident, _, item = rest.partition(":")
    if kind != "action" or not incident.isdigit() or not item.isdigit():
        return None
    return int(incident), int(item)


def wanted_issues(
    before: Incident, after: Incident, every: Collection[Severity]
) -> tuple[ActionItem, ...]:
    """The action items `after` added that want an issue: `--issue`, or every one of an
    incident whose severity is in `every` (`[github] action_items_as_issues`)."""
    added = after.action_items[len(before.action_items) :]
    return tuple(item for item in added if item.issue or after.severity in every)


def with_issue(incident: Incident, item: int, url: str) -> Incident:
    """The incident with action item `item` linked to its issue at `url`."""
    items = tuple(
        replace(i, issue_url=url) if i.number == item else i for i in incident.action_items
    )
    return replace(incident, action_items=items)
