"""`[github]`: a public incident's external updates become one GitHub issue (opened, commented,
closed on resolution), action items become issues (assigned, linked, done when closed), through
the outbox's own `github` platform: retried, rate limited, never doubled. Against the GitHub
stand-in (tests/github_standin.py), which refuses what GitHub refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import load_settings
from bot.github_config import GitHubSettings
from incidents import commands as c
from incidents.people import SEVBOT, Person
from tests.fakes import RecordingChat
from tests.github_deliveries import SECRET, repository, signed
from tests.github_standin import TOKEN, GitHubStandIn
from tests.service.alert_helpers import Served, served
from tests.service.conftest import say

TOKEN_ENV = "SEVBOT_TEST_GITHUB_TOKEN"
SECRET_ENV = "SEVBOT_TEST_GITHUB_SECRET"
REPO = "acme/widgets"


@asynccontextmanager
async def github_app(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, **github: Any
) -> AsyncIterator[tuple[Served, GitHubStandIn]]:
    """The real application with `[github]` on the stand-in, and a GitHub webhook source."""
    standin = GitHubStandIn()
    url = await standin.start()
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    fields: dict[str, Any] = {
        "github": {"api_url": url, "token_env": TOKEN_ENV, "repository": REPO, **github},
        "alert_source": [{"name": "github", "kind": "github", "secret_env": SECRET_ENV}],
        "person": [{"name": "Ana Lima", "email": "ana@example.com", "github": "ana-lima"}],
        "public_url": "https://sevbot.example.com",
    }
    try:
        async with served(tmp_path, clock, monkeypatch, **fields) as app:
            yield app, standin
    finally:
        await standin.stop()


ANA = Person("email:ana@example.com")


async def ana_item(app: Served, text: str, owner: Person | None = ANA) -> None:
    """`/incident action 1 <text> @Ana --issue`, as sam (the owner is Ana's canonical key)."""
    item = c.AddActionItem(text=text, owner=owner, issue=True)
    outcome = await app.app.service.handle(item, actor="console:sam", platform="console", number=1)
    assert outcome.ok, outcome.reply_text


async def retry(app: Served, clock: FakeClock, seconds: float = 70) -> None:
    """Let the outbox's backoff (or a Retry-After) pass, and deliver again."""
    clock.advance(seconds=seconds)
    await app.app.dispatcher.deliver_due()


async def test_external_updates_open_comment_and_the_resolution_closes_one_issue(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first external update opens the issue under the public title (never the internal
    one), labelled `incident`, with the status page's link; the next one comments; the
    resolution comments and closes it; internal updates never reach GitHub."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev1 Card processor 8812 deploy broke checkout")
        await say(app.app, "/incident ic 1 @sam")
        await say(app.app, "/incident status 1 Rolling back deploy 8812 on db-3")
        assert standin.all_issues() == []
        await say(
            app.app, '/incident status 1 --external --title "Checkout errors" Card payments fail'
        )
        (issue,) = standin.all_issues()
        assert issue.title == "Checkout errors"
        assert issue.labels == ["incident"]
        assert "Card payments fail" in issue.body
        assert "https://sevbot.example.com/status" in issue.body
        assert "8812" not in issue.title + issue.body
        await say(app.app, "/incident status 1 --external A fix is rolling out")
        assert [c.body.split("\n")[0] for c in issue.comments] == [
            "**Investigating** · A fix is rolling out"
        ]
        await say(app.app, "/incident resolve 1 Rolled back deploy 8812")
        assert issue.state == "closed"
        assert "resolved" in issue.comments[-1].body
        assert "8812" not in "".join(c.body for c in issue.comments)
        clock.advance(hours=2)
        await say(app.app, "/incident status 1 --external Post-incident: a bad deploy, rolled back")
        assert issue.comments[-1].body.startswith("**Post-incident summary**")
        assert len(standin.all_issues()) == 1


async def test_an_incident_that_is_not_public_never_reaches_github(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SEV-3 (not a public severity) and a private incident post nothing on GitHub."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev3 Nightly export is flaky")
        await say(app.app, "/incident ic 1 @sam")
        await say(app.app, "/incident status 1 --external Exports may be late")
        await say(app.app, "/incident open sev1 --private Payroll leak")
        await say(app.app, "/incident ic 2 @sam")
        await say(app.app, "/incident status 2 --external Nothing to see")
        assert standin.all_issues() == []


async def test_a_lost_answer_is_retried_and_still_makes_one_issue_and_one_comment(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub opens the issue but the answer is a 502, then a dropped connection on the
    comment: the retries find what was done (by its marker) and do not do it again."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident ic 1 @sam")
        standin.fail_after_write = 1
        await say(app.app, "/incident status 1 --external Card payments fail")
        assert len(standin.all_issues()) == 1
        await retry(app, clock)
        standin.drop_after_write = 1
        await say(app.app, "/incident status 1 --external Still on it")
        await retry(app, clock)
        (issue,) = standin.all_issues()
        assert [c.body.split("\n")[0] for c in issue.comments] == [
            "**Investigating** · Still on it"
        ]
        assert standin.requests.count(("POST", f"/repos/{REPO}/issues")) == 1


async def test_with_discussion_the_updates_are_one_discussion_in_the_category(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`public_updates = "discussion"`: the first external update creates a discussion in the
    category (GraphQL), later ones comment, the resolution comments and closes it as resolved;
    a lost answer to the creation is retried without a second discussion."""
    async with github_app(
        tmp_path, clock, monkeypatch, public_updates="discussion", discussion_category="incidents"
    ) as (app, standin):
        await say(app.app, "/incident open sev1 Deploy 8812 broke checkout")
        standin.fail_after_write = 1
        await say(app.app, '/incident status 1 --external --title "Checkout errors" Payments fail')
        await retry(app, clock)
        await say(app.app, "/incident status 1 --external A fix is rolling out")
        await say(app.app, "/incident resolve 1 Rolled back 8812")
        (discussion,) = standin.graphql.of()
        assert (discussion.title, discussion.category) == ("Checkout errors", "Incidents")
        assert "Payments fail" in discussion.body
        assert len(discussion.comments) == 2
        assert (discussion.closed, discussion.state_reason) == (True, "RESOLVED")
        assert standin.all_issues() == []


async def test_a_discussion_category_that_does_not_exist_is_given_up_on_with_the_reason(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A category the repository lacks: the post is given up on at once, saying which exist."""
    async with github_app(
        tmp_path, clock, monkeypatch, public_updates="discussion", discussion_category="Outages"
    ) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident status 1 --external Payments fail")
        assert standin.graphql.of() == []
        listed = await app.app.store.list_outbox(undelivered_only=True, limit=50)
        dead = [i for i in listed if i.platform == "github"]
        assert dead[0].dead_at is not None
        assert "no discussion category `Outages`" in (dead[0].last_error or "")


async def test_a_secondary_rate_limit_waits_and_delays_only_github(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 403 with retry-after holds the GitHub post (not a failure) while the chat's messages
    go out; after the wait the issue opens."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident ic 1 @sam")
        standin.rate_limited = 1
        await say(app.app, "/incident status 1 --external Card payments fail")
        assert standin.all_issues() == []
        assert app.of_kind("external_update")  # the chat was not held back
        await retry(app, clock, seconds=2)
        assert len(standin.all_issues()) == 1


async def test_an_action_item_with_issue_is_opened_assigned_linked_and_closed_back(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--issue` opens an issue for the item, assigned to the owner's GitHub login; the item
    keeps its address; the `issues` closed delivery marks it done, once."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev2 Search is slow")
        await ana_item(app, "Add a p99 alert on search")
        await say(app.app, "/incident action 1 Shard the index")
        (issue,) = standin.all_issues()
        assert issue.title == "Add a p99 alert on search"
        assert issue.assignees == ["ana-lima"]
        await app.app.dispatcher.deliver_due()
        incident = await app.incident(1)
        assert incident.action_items[0].issue_url == issue.html_url
        assert incident.action_items[1].issue_url is None
        assert any(issue.html_url in m.plain_text() for m in app.of_kind("action_added"))
        body = {
            "action": "closed",
            "issue": {"number": issue.number, "html_url": issue.html_url, "state": "closed"},
            "repository": repository(),
        }
        for _ in range(2):  # a redelivery, same id
            raw, headers = signed("issues", body, delivery="d-1")
            response = await app.client.post("/hooks/github", data=raw, headers=headers)
            assert response.status == 200
            await app.settle()
        incident = await app.incident(1)
        assert incident.action_items[0].done_at is not None
        assert len(app.of_kind("action_done")) == 1


async def test_every_action_item_of_a_configured_severity_becomes_an_issue(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`action_items_as_issues = ["sev1"]`: every item of a SEV-1 is an issue, not a SEV-2's."""
    async with github_app(
        tmp_path, clock, monkeypatch, public_updates="off", action_items_as_issues=["sev1"]
    ) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident action 1 Add a 502 alert")
        await say(app.app, "/incident open sev2 Search is slow")
        await say(app.app, "/incident action 2 Shard the index")
        assert [i.title for i in standin.all_issues()] == ["Add a 502 alert"]


async def test_issue_on_a_private_incident_or_without_github_is_refused(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--issue` on a private incident is refused (its items stay in sevbot), and so is it
    without `[github]`, saying what to configure."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, _):
        await say(app.app, "/incident open sev1 --private Payroll leak")
        said = await say(app.app, "/incident action 1 Rotate the keys --issue")
        assert "private" in said
        assert (await app.incident(1)).action_items == ()
    async with served(tmp_path / "plain", clock, monkeypatch) as plain:
        await say(plain.app, "/incident open sev2 Search is slow")
        said = await say(plain.app, "/incident action 1 Shard the index --issue")
        assert "[github]" in said
        assert (await plain.incident(1)).action_items == ()


async def test_a_missing_token_stops_start_up_in_one_line(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[github]` whose token_env is unset: the settings read (the store verbs work), and
    building the application stops with one line naming the variable."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    path = tmp_path / "sevbot.toml"
    path.write_text(f'[github]\nrepository = "{REPO}"\ntoken_env = "{TOKEN_ENV}"\n')
    monkeypatch.setenv("SEVBOT_CONFIG", str(path))
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/sevbot.db")
    with pytest.raises(ValueError, match="is not set") as refused:
        await build_app(settings, clock=clock, chats=[RecordingChat()])
    said = str(refused.value)
    assert f"{TOKEN_ENV} (its token_env) is not set" in said
    assert "\n" not in said


def test_discussions_need_a_category(monkeypatch: pytest.MonkeyPatch) -> None:
    """`public_updates = "discussion"` without `discussion_category` is refused, saying so."""
    with pytest.raises(ValueError, match="needs discussion_category"):
        GitHubSettings(repository=REPO, public_updates="discussion")


async def test_the_standin_refuses_what_github_refuses(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title over 256 characters, a body or comment over 65,536, labels that are not a list
    of strings, a wrong token and an unknown repository: GitHub's status and error shapes."""
    import aiohttp

    standin = GitHubStandIn()
    url = await standin.start()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    issues = f"{url}/repos/{REPO}/issues"
    try:
        async with aiohttp.ClientSession() as session:

            async def post(path: str, body: Any, headers: dict[str, str] = auth) -> Any:
                async with session.post(path, json=body, headers=headers) as response:
                    return response.status, await response.json()

            status, answer = await post(issues, {"title": "x" * 257})
            assert status == 422
            assert answer["message"] == "Validation Failed"
            assert answer["errors"][0]["message"] == "title is too long (maximum is 256 characters)"
            status, answer = await post(issues, {"title": "t", "body": "b" * 65537})
            assert (status, answer["errors"][0]["field"]) == (422, "body")
            status, answer = await post(issues, {"title": "t", "labels": "incident"})
            assert status == 422
            assert "is not an array" in answer["message"]
            status, answer = await post(issues, {"title": "t", "labels": [1]})
            assert status == 422
            status, answer = await post(issues, {"title": "t"}, {"Authorization": "Bearer no"})
            assert (status, answer["message"]) == (401, "Bad credentials")
            status, answer = await post(f"{url}/repos/acme/nothing/issues", {"title": "t"})
            assert (status, answer["message"]) == (404, "Not Found")
            status, answer = await post(issues, {"title": "t"})
            assert status == 201
            status, answer = await post(f"{issues}/1/comments", {"body": "c" * 65537})
            assert status == 422
            assert answer["errors"][0]["resource"] == "IssueComment"
    finally:
        await standin.stop()


async def test_a_reopened_incident_reopens_its_issue_and_discussion(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolved (the issue closed), then reopened: the issue is reopened with a comment saying
    so, the next update comments on it and the second resolution closes it again. A public
    incident reopened before any external update posts nothing. The same for a discussion."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident status 1 --external Card payments fail")
        await say(app.app, "/incident resolve 1 Rolled back")
        (issue,) = standin.all_issues()
        assert issue.state == "closed"
        await say(app.app, "/incident phase 1 investigation")
        assert (issue.state, issue.state_reason) == ("open", "reopened")
        assert "reopened" in issue.comments[-1].body
        await say(app.app, "/incident status 1 --external Errors are back; investigating")
        assert "Errors are back" in issue.comments[-1].body
        await say(app.app, "/incident resolve 1 Fixed for good")
        assert issue.state == "closed"
        await say(app.app, "/incident open sev1 Search is down")
        await say(app.app, "/incident resolve 2 Restarted")
        await say(app.app, "/incident phase 2 investigation")
        assert len(standin.all_issues()) == 1
    async with github_app(
        tmp_path / "d",
        clock,
        monkeypatch,
        public_updates="discussion",
        discussion_category="incidents",
    ) as (app, standin):
        await say(app.app, "/incident open sev1 Checkout is failing")
        await say(app.app, "/incident status 1 --external Card payments fail")
        await say(app.app, "/incident resolve 1 Rolled back")
        await say(app.app, "/incident phase 1 investigation")
        (discussion,) = standin.graphql.of()
        assert (discussion.closed, discussion.state_reason) == (False, "REOPENED")
        assert "reopened" in discussion.comments[-1]


async def test_an_owner_github_refuses_to_assign_still_gets_an_issue_that_says_so(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The owner's login is not assignable in the repository (GitHub answers 422 invalid
    assignees): the issue is opened unassigned, saying whom to assign, and linked; one issue."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        standin.assignable = {"octocat"}
        await say(app.app, "/incident open sev2 Search is slow")
        await ana_item(app, "Add a p99 alert on search")
        await app.app.dispatcher.deliver_due()
        (issue,) = standin.all_issues()
        assert issue.assignees == []
        assert issue.body.startswith("sevbot could not assign `ana-lima`")
        assert (await app.incident(1)).action_items[0].issue_url == issue.html_url


async def test_an_item_closed_on_github_is_done_by_the_person_who_closed_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closed by `ana-lima` (Ana's login, and she owns the item): the timeline says Ana did it.
    Closed by a login sevbot does not know, or by Ana on an item she may not mark done herself
    (nobody's, she is no lead): done by sevbot, since GitHub allowed the close."""
    async with github_app(tmp_path, clock, monkeypatch) as (app, standin):
        await say(app.app, "/incident open sev2 Search is slow")
        for text in ("Add a p99 alert on search", "Shard the index"):
            await ana_item(app, text)
        await ana_item(app, "Write the runbook", owner=None)
        await app.app.dispatcher.deliver_due()
        first, second, third = standin.all_issues()
        closes = ((first, "ana-lima"), (second, "someone-else"), (third, "Ana-Lima"))
        for issue, login in closes:
            body = {
                "action": "closed",
                "issue": {"number": issue.number, "html_url": issue.html_url, "state": "closed"},
                "repository": repository(),
                "sender": {"login": login, "type": "User"},
            }
            raw, headers = signed("issues", body, delivery=f"d-{issue.number}")
            response = await app.client.post("/hooks/github", data=raw, headers=headers)
            assert response.status == 200
            await app.settle()
        incident = await app.incident(1)
        done = [e for e in incident.timeline if e.kind.value == "action_done"]
        assert [e.actor for e in done] == [ANA, SEVBOT, SEVBOT]
        assert all(e.get("platform") is None for e in done)
