"""Who may do what, through real Slack requests (signed) and the stand-in Web API: a stranger
is refused and a lead allowed; both bypasses found on main stay closed; an admin named by a
Slack user group (read with usergroups.users.list) is an admin."""

from __future__ import annotations

from pathlib import Path

from bot.config import AccessSettings
from tests.adapters.slack.conftest import MARIA, SAM, Slack, running_slack, slack_settings
from tests.adapters.slack.standin import SlackStandIn

STRANGER = "U0CAROL"


async def test_a_stranger_is_refused_and_a_lead_allowed(slack: Slack) -> None:
    """Carol may not raise maria's SEV-1 or take over as IC once sam has it; maria may."""
    await slack.run("open sev1 Checkout is failing")  # by maria
    channel = {"channel": slack.channel(1).id}
    await slack.run(f"ic <@{SAM}>", user=MARIA, **channel)
    await slack.run("sev sev0", user=STRANGER, **channel)
    assert slack.responses_to(STRANGER)[-1] == (
        "Only the incident commander <@U0SAM>, the declarer <@U0MARIA> or an admin can change "
        "the severity of #1."
    )
    await slack.run(f"ic <@{STRANGER}>", user=STRANGER, **channel)
    assert "has an incident commander" in slack.responses_to(STRANGER)[-1]
    found = await slack.app.service.load(1)
    assert found is not None
    assert (found.severity.label, found.incident_commander) == ("SEV-1", f"slack:{SAM}")
    await slack.run("sev sev0", user=MARIA, **channel)
    assert "Severity raised SEV-1 → SEV-0" in slack.channel(1).texts()[-1]


async def test_the_take_ic_then_force_close_bypass_is_closed(slack: Slack) -> None:
    """No IC yet: carol takes the role (anyone may) but cannot force-close in that minute."""
    await slack.run("open sev1 Checkout is failing")
    channel = {"channel": slack.channel(1).id}
    await slack.run("resolve Fixed", user=MARIA, **channel)
    await slack.run(f"ic <@{STRANGER}>", user=STRANGER, **channel)
    assert slack.channel(1).texts()[-1] == f"<@{STRANGER}> is incident commander."
    await slack.run("close --force", user=STRANGER, **channel)
    assert "less than a minute ago" in slack.responses_to(STRANGER)[-1]
    found = await slack.app.service.load(1)
    assert found is not None
    assert found.closed_at is None


async def test_the_downgrade_then_close_bypass_is_closed(slack: Slack) -> None:
    """Carol cannot lower a resolved SEV-0 to SEV-3, nor close it without its review."""
    await slack.run("open sev0 Payments down")
    channel = {"channel": slack.channel(1).id}
    await slack.run("resolve Fixed", user=MARIA, **channel)
    await slack.run("sev sev3", user=STRANGER, **channel)
    assert slack.responses_to(STRANGER)[-1].startswith("Only the declarer <@U0MARIA> or an admin")
    await slack.run("close", user=STRANGER, **channel)
    found = await slack.app.service.load(1)
    assert found is not None
    assert (found.severity.label, found.closed_at) == ("SEV-0", None)


async def test_an_admin_by_user_group_is_read_from_slack(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """`slack-group:S0SRE` in admins: sevbot asks usergroups.users.list who is in it."""
    standin.usergroups["S0SRE"] = [STRANGER]
    settings = slack_settings(
        tmp_path, standin, access=AccessSettings(admins=["slack-group:S0SRE"])
    )
    async with running_slack(tmp_path, standin, settings) as slack:
        await slack.run("open sev1 Checkout is failing")
        channel = {"channel": slack.channel(1).id}
        await slack.run("sev sev0", user=STRANGER, **channel)
        assert "Severity raised SEV-1 → SEV-0" in slack.channel(1).texts()[-1]
        asked = [c.params for c in standin.served("usergroups.users.list")]
        assert asked[0]["usergroup"] == "S0SRE"
        await slack.run("sev sev1", user=SAM, **channel)  # sam is in no admin group
        assert slack.responses_to(SAM)[-1].startswith("Only the declarer <@U0MARIA> or an admin")
