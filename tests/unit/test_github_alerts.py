"""GitHub findings: what each delivery says, where each level goes, and when digests are due."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts.github_payloads import github_finding
from bot.alerts.payloads import BadPayload
from incidents.alerts.github import (
    Cadence,
    GitHubRules,
    daily_schedule,
    next_run,
    notification,
    weekly_schedule,
)
from incidents.alerts.model import AlertGroup, AlertStatus
from incidents.oncall.rotation import parse_handoff
from incidents.severity import Severity
from tests.github_deliveries import (
    REPO,
    code_scanning_alert,
    dependabot_alert,
    repository_advisory,
    secret_scanning_alert,
    workflow_run,
)

RULES = GitHubRules(name="github")


def test_a_failed_run_is_an_alert_of_its_workflow_and_branch() -> None:
    """The group is the workflow on its branch; the alert instance is the run."""
    finding = github_finding("workflow_run", workflow_run("failure", run=7), rules=RULES)
    assert finding is not None
    assert (finding.key, finding.fingerprint, finding.firing, finding.level) == (
        f"github:{REPO}:workflow:159038:main",
        "run:7",
        True,
        "ci_failure",
    )


def test_a_green_run_resolves_every_failed_run_of_its_group() -> None:
    """The success names no run of the group: it resolves whatever the group has firing."""
    finding = github_finding("workflow_run", workflow_run("success", run=9), rules=RULES)
    assert finding is not None
    assert finding.resolves_group
    assert not finding.firing
    failed = github_finding("workflow_run", workflow_run("failure", run=7), rules=RULES)
    assert failed is not None
    group = AlertGroup(
        source="github", key=finding.key, alerts=notification(failed, "github", None).alerts
    )
    said = notification(finding, "github", group)
    assert [(a.fingerprint, a.status) for a in said.alerts] == [("run:7", AlertStatus.RESOLVED)]


@pytest.mark.parametrize(
    ("event", "body", "level"),
    [
        ("dependabot_alert", dependabot_alert("created", severity="moderate"), "medium"),
        ("dependabot_alert", dependabot_alert("created", severity="low"), "low"),
        ("code_scanning_alert", code_scanning_alert("created", security="medium"), "medium"),
        (
            "code_scanning_alert",
            code_scanning_alert("created", security=None, rule_severity="warning"),
            "medium",
        ),
        (
            "code_scanning_alert",
            code_scanning_alert("created", security=None, rule_severity="note"),
            "low",
        ),
        ("secret_scanning_alert", secret_scanning_alert("created"), "high"),
        ("repository_advisory", repository_advisory("reported", "critical"), "critical"),
    ],
)
def test_each_findings_severity_is_read_where_github_puts_it(
    event: str, body: dict[str, object], level: str
) -> None:
    """Dependabot's advisory severity, code scanning's security level or rule severity,
    secret scanning as high, an advisory's own severity."""
    finding = github_finding(event, body, rules=RULES)
    assert finding is not None
    assert finding.level == level


@pytest.mark.parametrize(
    ("event", "body"),
    [
        ("dependabot_alert", dependabot_alert("auto_dismissed")),
        ("code_scanning_alert", code_scanning_alert("closed_by_user")),
        ("secret_scanning_alert", secret_scanning_alert("resolved")),
        ("repository_advisory", repository_advisory("withdrawn")),
    ],
)
def test_closing_actions_resolve(event: str, body: dict[str, object]) -> None:
    """Dismissed, closed, resolved or withdrawn: the finding resolves its group."""
    finding = github_finding(event, body, rules=RULES)
    assert finding is not None
    assert not finding.firing


def test_actions_that_change_nothing_are_none() -> None:
    """`appeared_in_branch`, `validated`, a push: nothing to do."""
    assert (
        github_finding(
            "code_scanning_alert", code_scanning_alert("appeared_in_branch"), rules=RULES
        )
        is None
    )
    assert (
        github_finding("secret_scanning_alert", secret_scanning_alert("validated"), rules=RULES)
        is None
    )
    assert github_finding("push", {"ref": "refs/heads/main"}, rules=RULES) is None


def test_a_body_of_the_wrong_shape_says_what_is_wrong() -> None:
    """A missing repository or a workflow id that is not a number: BadPayload naming it."""
    with pytest.raises(BadPayload, match="repository"):
        github_finding(
            "dependabot_alert", {"action": "created", "alert": {"number": 1}}, rules=RULES
        )
    body = workflow_run("failure")
    body["workflow_run"]["workflow_id"] = "ci"
    with pytest.raises(BadPayload, match="workflow_id"):
        github_finding("workflow_run", body, rules=RULES)


def test_levels_route_to_severities_or_digests() -> None:
    """The issue's defaults: critical sev0, high sev1, ci_failure sev2, medium and low wait."""
    assert RULES.route("critical") is Severity.SEV0
    assert RULES.route("ci_failure") is Severity.SEV2
    assert RULES.route("medium") is Cadence.DAILY
    assert RULES.route("low") is Cadence.WEEKLY
    assert RULES.severities() == {
        "critical": Severity.SEV0,
        "high": Severity.SEV1,
        "ci_failure": Severity.SEV2,
    }


def test_the_daily_digest_is_at_0900_in_the_zone_across_a_clock_change() -> None:
    """09:00 Paris is 08:00 UTC in winter, 07:00 UTC in summer; strictly after `after`."""
    paris = daily_schedule("Europe/Paris")
    assert next_run(paris, datetime(2026, 11, 23, 14, 0, tzinfo=UTC)) == datetime(
        2026, 11, 24, 8, 0, tzinfo=UTC
    )
    assert next_run(paris, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )
    at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert next_run(paris, at) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_the_weekly_digest_is_on_monday_or_with_the_rotations_handoff() -> None:
    """Monday 09:00 UTC by default; a rotation's weekly handoff when it has one; a daily
    handoff (no weekday) keeps the Monday default."""
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert next_run(weekly_schedule(None), monday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    tuesday = weekly_schedule(parse_handoff("TUE 10:00 UTC"))
    assert next_run(tuesday, monday) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    daily = weekly_schedule(parse_handoff("09:00 UTC"))
    assert next_run(daily, monday) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
