"""The summary's buttons and sevbot's modals, through slack-bolt with signed requests."""

from __future__ import annotations

from typing import Any

from adapters.slack.components import status_modal
from adapters.slack.parse import ModalContext
from tests.adapters.slack import requests as r
from tests.adapters.slack.conftest import LI, SAM, Slack


def status_values(text: str, external: bool = False) -> dict[str, Any]:
    """What Slack sends for a filled-in status modal."""
    chosen = [{"value": "external"}] if external else []
    return {
        "status": {"text": {"type": "plain_text_input", "value": text}},
        "external": {"external": {"type": "checkboxes", "selected_options": chosen}},
    }


async def test_acknowledge_button_acknowledges_as_the_clicker(slack: Slack) -> None:
    """Acknowledge → the clicker acknowledged; a second click gets a polite ephemeral no."""
    await slack.run("open sev1 Checkout is failing")
    reply = await slack.click("sevbot_acknowledge", 1, user=SAM)
    assert (reply.status, reply.body) == (200, None)
    await slack.settle()
    assert "<@U0SAM> acknowledged in" in slack.channel(1).texts()[-1]
    await slack.click("sevbot_acknowledge", 1, user=LI)
    await slack.settle()
    assert "#1 was already acknowledged by @U0SAM" in slack.responses_to(LI)[-1]
    answer = slack.standin.responses[-1]
    assert (answer["response_type"], answer["replace_original"]) == ("ephemeral", False)


async def test_post_update_button_opens_the_modal_and_its_submission_posts(slack: Slack) -> None:
    """Post update → views.open with the click's trigger; submitting posts the update."""
    await slack.run("open sev1 Checkout is failing")
    await slack.click("sevbot_post_update", 1)
    await slack.settle()
    [opened] = slack.standin.views
    assert opened["view"]["callback_id"] == "sevbot_status"
    assert opened["trigger_id"].endswith("click" + opened["trigger_id"].split(".")[0])
    reply = await slack.submit(status_values("Card processor returns 502s; rolling back"))
    assert (reply.status, reply.body) == (200, None)  # the modal closes
    await slack.settle()
    assert (
        "Status update from <@U0SAM>: Card processor returns 502s; rolling back"
        in slack.channel(1).texts()[-1]
    )


async def test_status_without_text_opens_the_modal(slack: Slack) -> None:
    """`/incident status` alone in the channel opens the modal; an external one works too."""
    await slack.run("open sev1 Checkout is failing")
    channel = slack.channel(1).id
    await slack.run(f"ic <@{SAM}>", user=SAM, channel=channel)  # external updates: a lead's
    reply = await slack.command("status", user=SAM, channel=channel)
    assert (reply.status, reply.body) == (200, None)
    await slack.settle()
    assert slack.standin.views[-1]["view"]["title"]["text"] == "Status update #1"
    await slack.submit(status_values("We are investigating", external=True))
    await slack.settle()
    assert "External update from <@U0SAM>: We are investigating" in slack.channel(1).texts()[-1]


async def test_change_severity_button_uses_a_select(slack: Slack) -> None:
    """Change severity → a select preset to the current level; choosing SEV-0 raises it."""
    await slack.run("open sev1 Checkout is failing")
    await slack.run(f"ic <@{SAM}>", user=SAM, channel=slack.channel(1).id)  # severity: a lead's
    await slack.click("sevbot_change_severity", 1)
    await slack.settle()
    view = slack.standin.views[-1]["view"]
    element = view["blocks"][0]["element"]
    assert element["initial_option"]["value"] == "1"
    values = {
        "severity": {"severity": {"type": "static_select", "selected_option": {"value": "0"}}}
    }
    await slack.submit(values)
    await slack.settle()
    assert "Severity raised SEV-1 → SEV-0 by <@U0SAM>" in slack.channel(1).texts()[-1]


async def test_resolve_button_asks_for_the_summary(slack: Slack) -> None:
    """Resolve → a modal for what fixed it; submitting resolves with that summary."""
    await slack.run("open sev2 Search latency")
    await slack.run(f"ic <@{SAM}>", user=SAM, channel=slack.channel(1).id)  # resolve: a lead's
    await slack.click("sevbot_resolve", 1)
    await slack.settle()
    assert slack.standin.views[-1]["view"]["callback_id"] == "sevbot_resolve"
    values = {"summary": {"summary": {"type": "plain_text_input", "value": "Scaled the cluster"}}}
    await slack.submit(values)
    await slack.settle()
    text = slack.channel(1).texts()[-1]
    assert "Resolved by <@U0SAM>" in text
    assert "Scaled the cluster" in text


async def test_an_expired_trigger_gets_an_apology_not_silence(slack: Slack) -> None:
    """views.open failing (trigger older than 3 s) → an ephemeral asking to click again."""
    await slack.run("open sev2 Search latency")
    slack.standin.triggers_expired = True
    await slack.click("sevbot_post_update", 1)
    await slack.settle()
    assert "Could not open the form" in slack.responses_to(SAM)[-1]
    assert slack.standin.views == []


async def test_without_a_response_url_errors_come_back_by_post_ephemeral(slack: Slack) -> None:
    """A modal that carries no response_url: its error goes to chat.postEphemeral."""
    context = ModalContext(incident=99, channel_id="CGENERAL")
    view = {**status_modal(context), "id": "V0LOST", "hash": "h"}
    payload = r.view_submission(view, status_values("Anyone there?"), user=SAM)
    reply = await slack.send(r.interactivity(payload), r.FORM)
    assert reply.status == 200
    await slack.settle()
    [sent] = slack.standin.ephemerals
    assert (sent["channel"], sent["user"]) == ("CGENERAL", SAM)
    assert "There is no incident #99" in sent["text"]
