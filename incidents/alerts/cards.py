"""Alert cards: alerts below the incident threshold page the primary with a card in the
rotation's on-call channel (Acknowledge, Declare incident) instead of opening an incident."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incidents.alerts.model import Alert, AlertGroup, SourceRules
from incidents.alerts.wording import alert_block, changes, group_name, incident_title
from incidents.messages import Audience, Button, Mention, Message, MessageKind, Part, Tone
from incidents.model import OnCall
from incidents.people import Person
from incidents.severity import Severity


def card_messages(
    group: AlertGroup,
    rules: SourceRules,
    oncall: OnCall | None,
    severity: Severity,
    now: datetime,
) -> tuple[Message, ...]:
    """The card (mentioning the primary on call) and the primary's page by direct message."""
    firing = group.firing
    title = f"{severity.emoji} {severity.label} alert: {incident_title(group)}"
    primary = oncall.primary if oncall is not None else None
    rotation = oncall.rotation if oncall is not None else rules.rotation
    who: tuple[Part, ...] = (
        ("📟 ", Mention(primary), ", ")
        if primary is not None
        else (f"📟 Nobody is on call in {rotation}; ",)
        if rotation
        else ("📟 ",)
    )
    blocks = [alert_block(alert, rules, now) for alert in firing[:10]]
    text: tuple[Part, ...] = (
        *who,
        f"{len(firing)} alert(s) firing from {group_name(group)}. Below the incident "
        "threshold, so no incident is open: acknowledge it, or declare an incident if it "
        "needs one.\n",
        "\n".join(blocks),
    )
    card = Message(
        kind=MessageKind.ALERT_CARD,
        audience=Audience.ONCALL,
        text=text,
        title=title,
        rotation=rotation,
        buttons=(Button.ACKNOWLEDGE_ALERT, Button.DECLARE_INCIDENT),
        alert=group.id,
        tone=Tone.WARNING,
    )
    if primary is None:
        return (card,)
    page = Message(
        kind=MessageKind.PAGE,
        audience=Audience.DIRECT,
        recipient=primary,
        text=(
            f"📟 You are paged (primary, {rotation}) for an alert: {title}. "
            "Acknowledge it, or declare an incident, on its card in the on-call channel.",
        ),
        rotation=rotation,
        alert=group.id,
        tone=Tone.DANGER,
    )
    return (card, page)


def card_changes(
    group: AlertGroup,
    fired: Sequence[Alert],
    resolved: Sequence[Alert],
    rules: SourceRules,
    now: datetime,
    rotation: str | None,
) -> Message:
    """What fired or resolved in a card's group, said in the on-call channel."""
    _, text = changes(group, fired, resolved, rules, now)
    if not group.firing:
        text += " Every alert of the card has resolved."
    return Message(
        kind=MessageKind.ALERT_UPDATE,
        audience=Audience.ONCALL,
        text=(text,),
        rotation=rotation,
        alert=group.id,
        tone=Tone.SUCCESS if not group.firing else Tone.WARNING,
    )


def card_acknowledged(group: AlertGroup, who: Person, rotation: str | None) -> Message:
    """`👀 @sam acknowledged the alert …`."""
    return Message(
        kind=MessageKind.ALERT_UPDATE,
        audience=Audience.ONCALL,
        text=("👀 ", Mention(who), f" acknowledged the alert {incident_title(group)}."),
        rotation=rotation,
        alert=group.id,
        tone=Tone.SUCCESS,
    )


def card_declared(group: AlertGroup, who: Person, number: int, rotation: str | None) -> Message:
    """`🚨 @sam declared incident #12 from the alert …`."""
    return Message(
        kind=MessageKind.ALERT_UPDATE,
        audience=Audience.ONCALL,
        text=(
            "🚨 ",
            Mention(who),
            f" declared incident #{number} from the alert {incident_title(group)}.",
        ),
        rotation=rotation,
        alert=group.id,
        tone=Tone.DANGER,
    )
