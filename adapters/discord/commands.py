"""The application commands: `/incident <subcommand>` with typed options, and `/oncall`.

Each callback only collects its options (a user option becomes `discord:<id>`) and hands them
to the interaction handler; what they mean is decided by `parse.incident_request`.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.parse import Option, user_identity
from incidents.people import Person
from incidents.phase import Phase
from incidents.severity import Severity

Choice = app_commands.Choice
IncidentNumber = app_commands.Range[int, 1, 999_999_999]
Title = app_commands.Range[str, 1, 200]
LongText = app_commands.Range[str, 1, 3000]

SEVERITY_CHOICES = [Choice(name=f"{s.emoji} {s.label}", value=s.label) for s in Severity]
PHASE_CHOICES = [Choice(name=p.value, value=p.value) for p in Phase]
COMPONENT_STATUS_CHOICES = [
    Choice(name=name, value=name) for name in ("operational", "degraded", "partial", "major")
]
ComponentNames = app_commands.Range[str, 1, 500]
UtcTime = app_commands.Range[str, 1, 40]
ROLE_CHOICES = [
    Choice(name="incident commander", value="ic"),
    Choice(name="communications lead", value="comms"),
    Choice(name="responder", value="responder"),
]
_NUMBER_HELP = "Incident number (leave out in the incident's own channel)"


class CommandHandler(Protocol):
    """What the command callbacks hand their options to."""

    async def on_incident_command(
        self, interaction: discord.Interaction[Any], verb: str, options: dict[str, Option]
    ) -> None:
        """`/incident <verb>` with typed options."""
        ...

    async def on_oncall_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """`/oncall [text]`."""
        ...

    async def on_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """A command discord.py could not run."""
        ...


def _who(user: discord.abc.User | None) -> Person | None:
    return user_identity(user.id) if user is not None else None


@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
@app_commands.allowed_installs(guilds=True, users=False)
class IncidentCommands(
    app_commands.Group, name="incident", description="Declare and run incidents"
):
    """`/incident …`: the command language as subcommands."""

    def __init__(self, handler: CommandHandler) -> None:
        super().__init__()
        self.handler = handler

    async def _run(
        self, interaction: discord.Interaction[Any], verb: str, **options: Option
    ) -> None:
        await self.handler.on_incident_command(interaction, verb, dict(options))

    @app_commands.command(name="open", description="Declare an incident")
    @app_commands.describe(
        severity="How bad: SEV-0 is worst",
        title="What is wrong, in a few words",
        private="Only the people in it see it: a hidden channel, no public trace",
        components="Status-page components it affects, comma-separated: API,Checkout",
    )
    @app_commands.choices(severity=SEVERITY_CHOICES)
    async def open_incident(
        self,
        interaction: discord.Interaction[Any],
        severity: Choice[str],
        title: Title,
        private: bool = False,
        components: ComponentNames | None = None,
    ) -> None:
        """Declare an incident."""
        await self._run(
            interaction,
            "open",
            severity=severity.value,
            title=title,
            private=private,
            components=components,
        )

    @app_commands.command(name="ack", description="Acknowledge the page; stops escalation")
    @app_commands.describe(incident=_NUMBER_HELP)
    async def ack(
        self, interaction: discord.Interaction[Any], incident: IncidentNumber | None = None
    ) -> None:
        """Acknowledge."""
        await self._run(interaction, "ack", incident=incident)

    @app_commands.command(name="status", description="Post a status update (no text: a form)")
    @app_commands.describe(
        text="What do we know, what are we doing, when is the next update?",
        external="An update meant for customers",
        title="With external: the title the status page shows (else a neutral one)",
        incident=_NUMBER_HELP,
    )
    async def status(
        self,
        interaction: discord.Interaction[Any],
        text: LongText | None = None,
        external: bool = False,
        incident: IncidentNumber | None = None,
        title: Title | None = None,
    ) -> None:
        """Post a status update, or open the status form."""
        await self._run(
            interaction, "status", text=text, external=external, incident=incident, title=title
        )

    @app_commands.command(name="component", description="Set a component's status page status")
    @app_commands.describe(
        name="The component, as the status page names it",
        status="What customers read",
        incident=_NUMBER_HELP,
    )
    @app_commands.choices(status=COMPONENT_STATUS_CHOICES)
    async def component(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 80],
        status: Choice[str],
        incident: IncidentNumber | None = None,
    ) -> None:
        """Set what the status page says of a component."""
        await self._run(interaction, "component", name=name, status=status.value, incident=incident)

    @app_commands.command(name="sev", description="Change the severity")
    @app_commands.describe(level="The new severity", incident=_NUMBER_HELP)
    @app_commands.choices(level=SEVERITY_CHOICES)
    async def sev(
        self,
        interaction: discord.Interaction[Any],
        level: Choice[str],
        incident: IncidentNumber | None = None,
    ) -> None:
        """Change severity."""
        await self._run(interaction, "sev", level=level.value, incident=incident)

    @app_commands.command(name="phase", description="Move the incident to another phase")
    @app_commands.describe(name="The phase to move to", incident=_NUMBER_HELP)
    @app_commands.choices(name=PHASE_CHOICES)
    async def phase(
        self,
        interaction: discord.Interaction[Any],
        name: Choice[str],
        incident: IncidentNumber | None = None,
    ) -> None:
        """Change phase."""
        await self._run(interaction, "phase", name=name.value, incident=incident)

    @app_commands.command(name="ic", description="Name the incident commander")
    @app_commands.describe(user="The new incident commander", incident=_NUMBER_HELP)
    async def ic(
        self,
        interaction: discord.Interaction[Any],
        user: discord.User,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Name the incident commander."""
        await self._run(interaction, "ic", user=_who(user), incident=incident)

    @app_commands.command(name="role", description="Assign a role")
    @app_commands.describe(role="Which role", user="Who takes it", incident=_NUMBER_HELP)
    @app_commands.choices(role=ROLE_CHOICES)
    async def role(
        self,
        interaction: discord.Interaction[Any],
        role: Choice[str],
        user: discord.User,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Assign a role."""
        await self._run(interaction, "role", role=role.value, user=_who(user), incident=incident)

    @app_commands.command(name="note", description="Add a note to the timeline")
    @app_commands.describe(text="The note", incident=_NUMBER_HELP)
    async def note(
        self,
        interaction: discord.Interaction[Any],
        text: LongText,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Add a note."""
        await self._run(interaction, "note", text=text, incident=incident)

    @app_commands.command(name="action", description="Add an action item, or complete one")
    @app_commands.describe(
        text="What needs doing",
        owner="Who owns it",
        done="Number of an action item to mark done",
        incident=_NUMBER_HELP,
    )
    async def action(
        self,
        interaction: discord.Interaction[Any],
        text: LongText | None = None,
        owner: discord.User | None = None,
        done: app_commands.Range[int, 1, 9999] | None = None,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Add or complete an action item."""
        await self._run(
            interaction, "action", text=text, owner=_who(owner), done=done, incident=incident
        )

    @app_commands.command(
        name="mitigated", description="The impact is over: enter resolution (time to mitigate)"
    )
    @app_commands.describe(summary="What stopped the impact", incident=_NUMBER_HELP)
    async def mitigated(
        self,
        interaction: discord.Interaction[Any],
        summary: LongText | None = None,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Mark mitigated."""
        await self._run(interaction, "mitigated", summary=summary, incident=incident)

    @app_commands.command(name="resolve", description="Mark resolved; status reminders stop")
    @app_commands.describe(summary="What fixed it", incident=_NUMBER_HELP)
    async def resolve(
        self,
        interaction: discord.Interaction[Any],
        summary: LongText | None = None,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Resolve."""
        await self._run(interaction, "resolve", summary=summary, incident=incident)

    @app_commands.command(name="close", description="Close after the review")
    @app_commands.describe(force="Skip the review (incident commander only)", incident=_NUMBER_HELP)
    async def close(
        self,
        interaction: discord.Interaction[Any],
        force: bool = False,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Close."""
        await self._run(interaction, "close", force=force, incident=incident)

    @app_commands.command(name="review", description="Draft the review, or record where it lives")
    @app_commands.describe(done="Link to the finished review", incident=_NUMBER_HELP)
    async def review(
        self,
        interaction: discord.Interaction[Any],
        done: app_commands.Range[str, 1, 500] | None = None,
        incident: IncidentNumber | None = None,
    ) -> None:
        """Draft the review or mark it done."""
        await self._run(interaction, "review", done=done, incident=incident)

    @app_commands.command(name="timeline", description="Show the timeline")
    @app_commands.describe(incident=_NUMBER_HELP)
    async def timeline(
        self, interaction: discord.Interaction[Any], incident: IncidentNumber | None = None
    ) -> None:
        """Show the timeline."""
        await self._run(interaction, "timeline", incident=incident)

    @app_commands.command(
        name="maintenance", description="Announce planned work on the status page (UTC times)"
    )
    @app_commands.describe(
        start="When it starts, UTC: 2026-12-05T02:00Z or 2026-12-05 02:00",
        end="When it ends, UTC",
        title="What customers read",
        components="Components it affects, comma-separated: API,Checkout",
    )
    async def maintenance(
        self,
        interaction: discord.Interaction[Any],
        start: UtcTime,
        end: UtcTime,
        title: Title,
        components: ComponentNames | None = None,
    ) -> None:
        """Schedule maintenance."""
        await self._run(
            interaction, "maintenance", start=start, end=end, title=title, components=components
        )

    @app_commands.command(name="list", description="List the open incidents")
    async def list_incidents(self, interaction: discord.Interaction[Any]) -> None:
        """List open incidents."""
        await self._run(interaction, "list")

    @app_commands.command(
        name="dashboard", description="A one-time sign-in link to the incident dashboard"
    )
    async def dashboard(self, interaction: discord.Interaction[Any]) -> None:
        """A one-time dashboard link, only for the asker."""
        await self._run(interaction, "dashboard")

    @app_commands.command(name="help", description="Explain the commands")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """Help."""
        await self._run(interaction, "help")


def oncall_command(handler: CommandHandler) -> app_commands.Command[Any, Any, None]:
    """`/oncall [text]`: who is on call, the schedule, overrides and swaps."""

    @app_commands.command(name="oncall", description="Who is on call; schedule, overrides, swaps")
    @app_commands.describe(text="Empty for who is on call now, or e.g. `schedule 4`")
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def oncall(
        interaction: discord.Interaction[Any], text: app_commands.Range[str, 1, 500] | None = None
    ) -> None:
        await handler.on_oncall_command(interaction, text or "")

    return oncall


def build_tree(client: discord.Client, handler: CommandHandler) -> app_commands.CommandTree[Any]:
    """The command tree: `/incident` and `/oncall`."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    tree.add_command(IncidentCommands(handler))
    tree.add_command(oncall_command(handler))
    tree.error(handler.on_command_error)
    return tree
