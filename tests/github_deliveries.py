"""GitHub webhook deliveries for the tests: bodies in the shapes GitHub documents (trimmed to the
fields sevbot reads, plus a few it does not) and the headers GitHub sends, signed for real with
HMAC-SHA256 (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

SECRET = "gh-webhook-secret"
REPO = "acme/widgets"


def signature(raw: bytes, secret: str = SECRET) -> str:
    """`sha256=<hex>`: what GitHub puts in `X-Hub-Signature-256`."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def signed(
    event: str, body: Any, *, secret: str = SECRET, delivery: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) of a delivery as GitHub sends it."""
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/5f3a9e1",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "123456",
        "X-Hub-Signature-256": signature(raw, secret),
    }
    return raw, headers


def deliver(port: int, event: str, body: Any, **signing: Any) -> tuple[int, bytes]:
    """POST a delivery signed as GitHub signs it (`signed`) to sevbot's `/hooks/github` on
    `port`; (status, body)."""
    raw, headers = signed(event, body, **signing)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hooks/github", data=raw, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def repository(default_branch: str = "main") -> dict[str, Any]:
    """The `repository` object every event carries."""
    return {
        "id": 1296269,
        "full_name": REPO,
        "name": "widgets",
        "default_branch": default_branch,
        "html_url": f"https://github.com/{REPO}",
        "private": False,
    }


def workflow_run(
    conclusion: str, *, run: int = 30433642, branch: str = "main", workflow: int = 159038
) -> dict[str, Any]:
    """A `workflow_run` `completed` delivery of workflow `workflow` (named CI)."""
    return {
        "action": "completed",
        "workflow_run": {
            "id": run,
            "name": "CI",
            "workflow_id": workflow,
            "head_branch": branch,
            "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
            "run_number": run % 1000,
            "event": "push",
            "status": "completed",
            "conclusion": conclusion,
            "html_url": f"https://github.com/{REPO}/actions/runs/{run}",
            "run_started_at": "2026-11-23T13:50:00Z",
        },
        "workflow": {"id": workflow, "name": "CI", "path": ".github/workflows/ci.yml"},
        "repository": repository(),
        "sender": {"login": "octocat", "type": "User"},
    }


def dependabot_alert(action: str, number: int = 2, severity: str = "critical") -> dict[str, Any]:
    """A `dependabot_alert` delivery for alert `number`."""
    return {
        "action": action,
        "alert": {
            "number": number,
            "state": "open" if action in ("created", "reopened") else "fixed",
            "dependency": {
                "package": {"ecosystem": "pip", "name": "jinja2"},
                "manifest_path": "requirements.txt",
            },
            "security_advisory": {
                "ghsa_id": "GHSA-h5c8-rqwp-cp95",
                "summary": "Jinja2 sandbox breakout",
                "severity": severity,
            },
            "security_vulnerability": {"severity": severity},
            "html_url": f"https://github.com/{REPO}/security/dependabot/{number}",
        },
        "repository": repository(),
        "sender": {"login": "dependabot[bot]", "type": "Bot"},
    }


def code_scanning_alert(
    action: str, number: int = 7, security: str | None = "high", rule_severity: str = "error"
) -> dict[str, Any]:
    """A `code_scanning_alert` delivery; `security`: the rule's security_severity_level."""
    rule: dict[str, Any] = {
        "id": "py/sql-injection",
        "severity": rule_severity,
        "description": "SQL query built from user-controlled sources",
        "name": "py/sql-injection",
    }
    if security is not None:
        rule["security_severity_level"] = security
    return {
        "action": action,
        "alert": {
            "number": number,
            "state": "open",
            "rule": rule,
            "tool": {"name": "CodeQL", "version": "2.19.0"},
            "html_url": f"https://github.com/{REPO}/security/code-scanning/{number}",
        },
        "ref": "refs/heads/main",
        "commit_oid": "acb5820ced9479c074f688cc328bf03f341a511d",
        "repository": repository(),
        "sender": {"login": "github-advanced-security[bot]", "type": "Bot"},
    }


def secret_scanning_alert(action: str, number: int = 3) -> dict[str, Any]:
    """A `secret_scanning_alert` delivery (no severity: GitHub gives none)."""
    return {
        "action": action,
        "alert": {
            "number": number,
            "secret_type": "github_personal_access_token",
            "secret_type_display_name": "GitHub Personal Access Token",
            "state": "open" if action != "resolved" else "resolved",
            "html_url": f"https://github.com/{REPO}/security/secret-scanning/{number}",
        },
        "repository": repository(),
        "sender": {"login": "octocat", "type": "User"},
    }


def repository_advisory(action: str, severity: str = "critical") -> dict[str, Any]:
    """A `repository_advisory` delivery (`published`, `reported`)."""
    return {
        "action": action,
        "repository_advisory": {
            "ghsa_id": "GHSA-abcd-1234-efgh",
            "summary": "Path traversal in the upload handler",
            "severity": severity,
            "state": "published",
            "html_url": f"https://github.com/{REPO}/security/advisories/GHSA-abcd-1234-efgh",
        },
        "repository": repository(),
        "sender": {"login": "octocat", "type": "User"},
    }
