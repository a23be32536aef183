"""`[github]` in sevbot.toml: the repository where public incidents get an issue, and action
items become issues.

```toml
[github]
api_url = "https://api.github.com"         # GitHub Enterprise: https://<host>/api/v3
token_env = "SEVBOT_GITHUB_TOKEN"          # the token stays in the environment
repository = "acme/widgets"
public_updates = "issue"                   # a public incident's updates as a GitHub issue,
                                           # or "discussion" (with discussion_category), or "off"
discussion_category = "Incidents"          # with "discussion": an existing category's name
action_items_as_issues = ["sev0", "sev1"]  # every action item of these severities (default none)
handoff_issue_labels = ["P0", "P1"]        # the handoff lists open issues with any of these
handoff_pr_labels = ["urgent"]             # ... and open pull requests with any of these ([]: none)
```
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar, Literal

from bot.settings_model import BaseModel, Field, field_validator, model_validator
from incidents.errors import DomainError
from incidents.severity import Severity, parse_severity

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


class GitHubSettings(BaseModel):
    """`[github]`: where sevbot writes on GitHub, and with which token."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    api_url: str = "https://api.github.com"
    token_env: str = "SEVBOT_GITHUB_TOKEN"
    repository: str
    public_updates: Literal["issue", "discussion", "off"] = "issue"
    discussion_category: str | None = None
    action_items_as_issues: list[str] = Field(default_factory=list)
    handoff_issue_labels: list[str] = Field(default_factory=lambda: ["P0", "P1"])
    handoff_pr_labels: list[str] = Field(default_factory=lambda: ["urgent"])

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(
                f"`{value}` is not GitHub's API address; use https://api.github.com "
                "(GitHub Enterprise: https://<host>/api/v3)"
            )
        return value.rstrip("/")

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.match(value.strip()):
            raise ValueError(f'`{value}` is not a repository; use owner/name, e.g. "acme/widgets"')
        return value.strip()

    @field_validator("action_items_as_issues")
    @classmethod
    def _severities(cls, value: list[str]) -> list[str]:
        for level in value:
            try:
                parse_severity(level)
            except DomainError as error:
                raise ValueError(error.message) from None
        return value

    @field_validator("handoff_issue_labels", "handoff_pr_labels")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        labels = [label.strip() for label in value]
        for label in labels:
            if not label or "," in label or len(label) > 50:
                raise ValueError(
                    f"`{label}` is not a label to list; use a GitHub label's name "
                    '(1-50 characters, no comma), e.g. ["P0", "P1"], or [] for none'
                )
        return list(dict.fromkeys(labels))

    @model_validator(mode="after")
    def _discussion_category(self) -> GitHubSettings:
        if self.public_updates == "discussion" and not (self.discussion_category or "").strip():
            raise ValueError(
                '[github] public_updates = "discussion" needs discussion_category, the name of '
                'an existing category, e.g. discussion_category = "Incidents"'
            )
        return self

    def token(self) -> str:
        """The API token, from `token_env`; ValueError (one line) when unset. Read when
        `sevbot run` builds the application, so that an unset variable stops start-up while
        the store verbs (`sevbot outbox`, `audit`…) run without it."""
        value = os.environ.get(self.token_env, "").strip()
        if not value:
            raise ValueError(
                f"[github]: the environment variable {self.token_env} (its token_env) is not "
                "set; set it to a token with Issues read and write on "
                f"{self.repository}"
            )
        return value

    def issue_severities(self) -> frozenset[Severity]:
        """The severities whose every action item becomes an issue."""
        return frozenset(parse_severity(level) for level in self.action_items_as_issues)
