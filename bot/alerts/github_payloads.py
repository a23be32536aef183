"""GitHub webhook deliveries → findings: CI failures and security alerts.

Pure functions of the event name (`X-GitHub-Event`) and the parsed JSON body; a body that is
not what GitHub documents raises `BadPayload` (the hook answers 400), an event or action that
means nothing here gives None (the hook answers 2xx and nothing happens).

The shapes, from GitHub's "Webhook events and payloads"
(https://docs.github.com/en/webhooks/webhook-events-and-payloads) and the JSON schemas of
octokit/webhooks (payload-schemas/api.github.com/<event>/<action>.schema.json):

* `workflow_run` (action `completed`): `workflow_run.{id, name, workflow_id, head_branch,
  head_sha, run_number, event, conclusion, html_url, run_started_at}`; `conclusion` is one of
  success, failure, neutral, cancelled, skipped, timed_out, action_required, stale.
* `dependabot_alert` (created, dismissed, fixed, reintroduced, reopened, auto_dismissed,
  auto_reopened): `alert.{number, html_url, dependency.package.name,
  security_advisory.{ghsa_id, summary, severity}, security_vulnerability.severity}`.
* `code_scanning_alert` (created, reopened, reopened_by_user, closed_by_user, fixed,
  appeared_in_branch): `alert.{number, html_url, rule.{id, name, description, severity
  (none, note, warning, error), security_severity_level (low, medium, high, critical)}}`.
* `secret_scanning_alert` (created, reopened, resolved, revoked, validated, publicly_leaked):
  `alert.{number, html_url, secret_type, secret_type_display_name}`; no severity.
* `repository_advisory` (published, reported): `repository_advisory.{ghsa_id, summary,
  severity, html_url}`.
* Every event: `repository.{full_name, default_branch}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.alerts.payloads import BadPayload
from incidents.alerts.github import CI_FAILURE, SECRET_SCANNING, Finding, GitHubRules

WORKFLOW_RUN = "workflow_run"
SECURITY_EVENTS = (
    "code_scanning_alert",
    "dependabot_alert",
    "secret_scanning_alert",
    "repository_advisory",
)
EVENTS = (WORKFLOW_RUN, *SECURITY_EVENTS)
"""The events that are alerts; `issues` is `[github]`'s (an action item's issue closed); any
other answers 2xx and does nothing."""
ISSUES_EVENT = "issues"

FAILED = ("failure", "timed_out")
FIRES = frozenset(
    {
        "created",
        "reopened",
        "reopened_by_user",
        "reintroduced",
        "auto_reopened",
        "published",
        "reported",
    }
)
RESOLVES = frozenset(
    {
        "fixed",
        "dismissed",
        "auto_dismissed",
        "closed",
        "closed_by_user",
        "resolved",
        "withdrawn",
    }
)
SEVERITY_WORDS = {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}
SEVERITY_WORDS["moderate"] = "medium"  # the advisory database's word for medium
RULE_SEVERITIES = {"error": "high", "warning": "medium", "note": "low", "none": "low"}
"""A code scanning rule without a security severity: its SARIF level, read as a finding's."""


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadPayload(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload(f"{where} must be a string")
    return value


def _number(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"{where} must be a number")
    return value


def _time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo else None


def _repository(body: Mapping[str, Any]) -> tuple[str, str]:
    """(full name, default branch) of the delivery's repository."""
    repository = _object(body.get("repository"), "repository")
    name = _text(repository.get("full_name"), "repository.full_name")
    if not name:
        raise BadPayload("repository.full_name is missing")
    return name, _text(repository.get("default_branch"), "repository.default_branch")


def _level(word: Any) -> str:
    """A finding's severity as a level; unknown or missing: `high` (page rather than wait)."""
    return SEVERITY_WORDS.get(str(word or "").lower(), "high")


def github_finding(event: str, body: Any, *, rules: GitHubRules) -> Finding | None:
    """What the delivery says; None when it means nothing here; BadPayload if malformed."""
    if event not in EVENTS:
        return None
    fields = _object(body, "the body")
    action = _text(fields.get("action"), "action")
    if event == WORKFLOW_RUN:
        return _workflow_run(fields, action, rules)
    if action in FIRES:
        firing = True
    elif action in RESOLVES:
        firing = False
    else:
        return None
    repo, _ = _repository(fields)
    if event == "repository_advisory":
        return _advisory(fields, repo, firing)
    alert = _object(fields.get("alert"), "alert")
    number = _number(alert.get("number"), "alert.number")
    key = f"github:{repo}:{event}:{number}"
    url = _text(alert.get("html_url"), "alert.html_url")
    if event == "dependabot_alert":
        level, title = _dependabot(alert)
    elif event == "code_scanning_alert":
        level, title = _code_scanning(alert)
    else:
        level = SECRET_SCANNING if SECRET_SCANNING in rules.levels else "high"
        kind = _text(alert.get("secret_type_display_name"), "alert.secret_type_display_name")
        kind = kind or _text(alert.get("secret_type"), "alert.secret_type") or "a secret"
        title = f"Secret scanning: {kind} exposed"
    return Finding(
        kind=event,
        repository=repo,
        key=key,
        fingerprint=key,
        firing=firing,
        level=level,
        title=f"{title} ({repo}#{number})",
        detail=f"{event} {action}",
        url=url,
        group_labels=(("alert", f"{event} #{number}"), ("repository", repo)),
    )


def _dependabot(alert: Mapping[str, Any]) -> tuple[str, str]:
    advisory = _object(alert.get("security_advisory") or {}, "alert.security_advisory")
    vulnerability = _object(
        alert.get("security_vulnerability") or {}, "alert.security_vulnerability"
    )
    level = _level(advisory.get("severity") or vulnerability.get("severity"))
    summary = _text(advisory.get("summary"), "alert.security_advisory.summary")
    dependency = _object(alert.get("dependency") or {}, "alert.dependency")
    package = _object(dependency.get("package") or {}, "alert.dependency.package")
    name = _text(package.get("name"), "alert.dependency.package.name")
    what = summary or _text(advisory.get("ghsa_id"), "alert.security_advisory.ghsa_id")
    return level, f"Dependabot {level}: {what or 'vulnerable dependency'}" + (
        f" in {name}" if name else ""
    )


def _code_scanning(alert: Mapping[str, Any]) -> tuple[str, str]:
    rule = _object(alert.get("rule") or {}, "alert.rule")
    security = rule.get("security_severity_level")
    if security:
        level = _level(security)
    else:
        level = RULE_SEVERITIES.get(str(rule.get("severity") or "").lower(), "high")
    what = (
        _text(rule.get("description"), "alert.rule.description")
        or _text(rule.get("name"), "alert.rule.name")
        or _text(rule.get("id"), "alert.rule.id")
    )
    return level, f"Code scanning {level}: {what or 'finding'}"


def _advisory(fields: Mapping[str, Any], repo: str, firing: bool) -> Finding:
    advisory = _object(fields.get("repository_advisory"), "repository_advisory")
    ghsa = _text(advisory.get("ghsa_id"), "repository_advisory.ghsa_id")
    if not ghsa:
        raise BadPayload("repository_advisory.ghsa_id is missing")
    level = _level(advisory.get("severity"))
    summary = _text(advisory.get("summary"), "repository_advisory.summary") or ghsa
    key = f"github:{repo}:repository_advisory:{ghsa}"
    return Finding(
        kind="repository_advisory",
        repository=repo,
        key=key,
        fingerprint=key,
        firing=firing,
        level=level,
        title=f"Repository advisory {level}: {summary} ({repo} {ghsa})",
        url=_text(advisory.get("html_url"), "repository_advisory.html_url"),
        group_labels=(("advisory", ghsa), ("repository", repo)),
    )


def _workflow_run(fields: Mapping[str, Any], action: str, rules: GitHubRules) -> Finding | None:
    if action != "completed":
        return None
    run = _object(fields.get("workflow_run"), "workflow_run")
    repo, default_branch = _repository(fields)
    branch = _text(run.get("head_branch"), "workflow_run.head_branch")
    conclusion = _text(run.get("conclusion"), "workflow_run.conclusion")
    workflow = _number(run.get("workflow_id"), "workflow_run.workflow_id")
    if not rules.counts_branch(branch, default_branch):
        return None
    if conclusion not in (*FAILED, "success"):
        return None  # cancelled, skipped, neutral…: says nothing about the branch
    run_id = _number(run.get("id"), "workflow_run.id")
    name = _text(run.get("name"), "workflow_run.name") or f"workflow {workflow}"
    number = run.get("run_number")
    sha = _text(run.get("head_sha"), "workflow_run.head_sha")[:7]
    said = conclusion.replace("_", " ")
    detail = f"Run #{number} {'failed' if said == 'failure' else said}" + (
        f" at {sha}" if sha else ""
    )
    return Finding(
        kind=WORKFLOW_RUN,
        repository=repo,
        key=f"github:{repo}:workflow:{workflow}:{branch}",
        fingerprint=f"run:{run_id}",
        firing=conclusion in FAILED,
        level=CI_FAILURE,
        title=f"CI failing: {name} on {branch} ({repo})",
        detail=detail,
        url=_text(run.get("html_url"), "workflow_run.html_url"),
        started_at=_time(run.get("run_started_at") or run.get("created_at")),
        resolves_group=conclusion == "success",
        group_labels=(("branch", branch), ("repository", repo), ("workflow", name)),
    )
