"""Buttons, the severity picker and the modals, with stable custom ids.

The buttons and the picker are discord.py dynamic items: the client registers their templates
in `setup_hook`, before the gateway connects, so a click on a summary posted before a restart
is answered by the new process. Modal submissions are handled by custom id in the client's
`on_interaction`, which needs no registration at all.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Self

import discord

from adapters.discord.parse import (
    ACKNOWLEDGE,
    ALERT_ACK,
    BUTTON_TEMPLATE,
    CHANGE_SEVERITY,
    DECLARE,
    POST_UPDATE,
    RESOLVE,
    RESOLVE_MODAL,
    SELECT_TEMPLATE,
    SET_SEVERITY,
    STATUS_FIELD,
    STATUS_MODAL,
    SUMMARY_FIELD,
    custom_id,
)
from incidents.decision import MAX_TEXT
from incidents.messages import Button
from incidents.severity import Severity

BUTTON_LOOK: dict[Button, tuple[str, str, discord.ButtonStyle]] = {
    Button.ACKNOWLEDGE: (ACKNOWLEDGE, "Acknowledge", discord.ButtonStyle.success),
    Button.POST_UPDATE: (POST_UPDATE, "Post update", discord.ButtonStyle.primary),
    Button.CHANGE_SEVERITY: (CHANGE_SEVERITY, "Change severity", discord.ButtonStyle.secondary),
    Button.RESOLVE: (RESOLVE, "Resolve", discord.ButtonStyle.danger),
    Button.ACKNOWLEDGE_ALERT: (ALERT_ACK, "Acknowledge", discord.ButtonStyle.success),
    Button.DECLARE_INCIDENT: (DECLARE, "Declare incident", discord.ButtonStyle.danger),
}
_BY_ACTION = {action: (label, style) for action, label, style in BUTTON_LOOK.values()}
# A text input's label holds at most 45 characters and its placeholder 100 (discord.com/
# developers/docs/components/reference#label-label-structure, #text-input-text-input-structure;
# openapi.json TextInputComponentForModalRequest): the question goes in the label, an example
# of a good answer in the placeholder.
STATUS_LABEL = "What we know, what we're doing, next update"
STATUS_EXAMPLE = (
    "e.g. Card payments fail since the 13:55 deploy; rolling it back. Next update by 14:30."
)


class ComponentHandler(Protocol):
    """What answers clicks and picks (the adapter's interaction handler)."""

    async def on_button(
        self, interaction: discord.Interaction[Any], action: str, number: int
    ) -> None:
        """A summary button was clicked."""
        ...

    async def on_severity_pick(
        self, interaction: discord.Interaction[Any], number: int, level: str
    ) -> None:
        """A severity was picked after a Change severity click."""
        ...


def handler_of(interaction: discord.Interaction[Any]) -> ComponentHandler:
    """The handler the client carries (set when the adapter builds the client)."""
    handler: ComponentHandler = interaction.client.sevbot_handler  # our Client subclass
    return handler


class IncidentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """Acknowledge / Post update / Change severity / Resolve on an incident summary."""

    def __init__(self, action: str, number: int) -> None:
        label, style = _BY_ACTION[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=custom_id(action, number))
        )
        self.action = action
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the button from its custom id (after a restart too)."""
        return cls(match["action"], int(match["number"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the adapter."""
        await handler_of(interaction).on_button(interaction, self.action, self.number)


class SeverityPicker(discord.ui.DynamicItem[discord.ui.Select[Any]], template=SELECT_TEMPLATE):
    """A select of SEV-0..SEV-3, shown ephemerally after a Change severity click."""

    def __init__(self, number: int) -> None:
        options = [
            discord.SelectOption(label=f"{level.emoji} {level.label}", value=level.token)
            for level in Severity
        ]
        super().__init__(
            discord.ui.Select(
                placeholder="New severity",
                options=options,
                custom_id=custom_id(SET_SEVERITY, number),
            )
        )
        self.number = number

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the picker from its custom id."""
        return cls(int(match["number"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the picked level to the adapter."""
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or ["?"]
        await handler_of(interaction).on_severity_pick(interaction, self.number, str(values[0]))


def incident_buttons(buttons: tuple[Button, ...], number: int) -> discord.ui.View | None:
    """A persistent view of the summary's buttons (None when there are none)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        action, _, _ = BUTTON_LOOK[button]
        view.add_item(IncidentButton(action, number))
    return view


def severity_picker(number: int) -> discord.ui.View:
    """The ephemeral view a Change severity click answers with."""
    view = discord.ui.View(timeout=None)
    view.add_item(SeverityPicker(number))
    return view


def status_modal(number: int | None, *, external: bool = False) -> discord.ui.Modal:
    """Ask for a status update; the submission is handled by custom id, even after a restart."""
    title = "External status update" if external else "Status update"
    if number:
        title += f" for #{number}"
    modal = discord.ui.Modal(
        title=title, custom_id=custom_id(STATUS_MODAL, number, external=external), timeout=None
    )
    modal.add_item(
        discord.ui.TextInput(
            label=STATUS_LABEL,
            placeholder=STATUS_EXAMPLE,
            custom_id=STATUS_FIELD,
            style=discord.TextStyle.paragraph,
            max_length=MAX_TEXT,
        )
    )
    return modal


def resolve_modal(number: int) -> discord.ui.Modal:
    """Ask for an optional resolution summary before resolving."""
    modal = discord.ui.Modal(
        title=f"Resolve #{number}", custom_id=custom_id(RESOLVE_MODAL, number), timeout=None
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Summary of the fix (optional)",
            custom_id=SUMMARY_FIELD,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=MAX_TEXT,
        )
    )
    return modal
