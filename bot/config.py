"""Settings from the environment and an optional `sevbot.toml` (`SEVBOT_CONFIG`, else
`./sevbot.toml`: see `bot/config_file.py`)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar

from bot.access_config import AccessSettings, ApiClientSettings
from bot.alerts_config import (
    AlertSourceSettings,
    HeartbeatSettings,
    check_alert_settings,
)
from bot.config_file import ConfigError, check_keys, find_config, read_config
from bot.durations import DURATION_HINT, parse_duration
from bot.github_config import GitHubSettings
from bot.oncall.config import RotationSettings, check_page, names_unique
from bot.people_config import (
    MirrorSettings,
    PersonSettings,
    check_default_platform,
    directory_of,
    resolve_people,
)
from bot.settings_model import (
    AliasChoices,
    BaseModel,
    BaseSettings,
    Field,
    NoDecode,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from bot.status_config import StatusPageSettings
from incidents.access import Access, Verb
from incidents.calendar import DEFAULT_BUSINESS_HOURS, BusinessHours, parse_business_hours
from incidents.directory import PeopleDirectory
from incidents.errors import DomainError
from incidents.people import TOOL, Person
from incidents.phase import Phase, parse_phase
from incidents.policy import (
    DEFAULT_ESCALATION,
    EscalationStep,
    PageTarget,
    PhaseWindow,
    Policy,
    ResponseTarget,
)
from incidents.severity import Severity, parse_severity

_BUSINESS_DAYS = re.compile(r"^\s*(\d+)\s*(?:bd|business\s*days?)\s*$", re.IGNORECASE)


def _severity(text: str) -> Severity:
    try:
        return parse_severity(text)
    except DomainError as error:
        raise ValueError(error.message) from None


def _phase(text: str) -> Phase:
    try:
        return parse_phase(text)
    except DomainError as error:
        raise ValueError(error.message) from None


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(value: Any) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8, 192.0.2.7` (or a TOML list) as networks; a bare address is one host."""
    if isinstance(value, tuple) and all(isinstance(v, IPNetwork) for v in value):
        return value
    items = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"`{item}` is not an IP address or network; use e.g. 10.0.0.0/8, 192.0.2.7, ::1"
            ) from None
    return tuple(networks)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


class PolicySettings(BaseModel):
    """Overrides of the response policy; anything left out keeps its documented default."""

    model_config: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    response_targets: dict[str, str] = Field(default_factory=dict)
    phase_windows: dict[str, str] = Field(default_factory=dict)
    external_first_notice: dict[str, str] = Field(default_factory=dict)
    external_interval: dict[str, str] = Field(default_factory=dict)
    review_due: dict[str, str | None] = Field(default_factory=dict)
    escalation: dict[str, list[str]] = Field(default_factory=dict)
    warning_fraction: float = Field(default=0.8, gt=0, lt=1)
    holidays: list[date] = Field(default_factory=list)
    # When business-day severities (a target such as "1bd") page and remind: days, hours, zone.
    business_hours: str = DEFAULT_BUSINESS_HOURS.describe()

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        _business_hours(value)
        return value

    @field_validator("response_targets")
    @classmethod
    def _targets(cls, value: dict[str, str]) -> dict[str, str]:
        for level, target in value.items():
            _severity(level)
            if not _BUSINESS_DAYS.match(target):
                _duration(target)
        return value

    @field_validator("external_first_notice", "external_interval")
    @classmethod
    def _durations(cls, value: dict[str, str]) -> dict[str, str]:
        for level, span in value.items():
            _severity(level)
            _duration(span)
        return value

    @field_validator("phase_windows")
    @classmethod
    def _windows(cls, value: dict[str, str]) -> dict[str, str]:
        for name, span in value.items():
            _phase(name)
            _duration(span)
        return value

    @field_validator("escalation")
    @classmethod
    def _escalation(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for level, steps in value.items():
            _severity(level)
            for step in steps:
                _step(step)
        return value

    def to_policy(self, status_interval: timedelta) -> Policy:
        """The domain policy: defaults overridden by whatever was configured."""
        base = Policy()
        targets = dict(base.response_targets)
        for level, text in self.response_targets.items():
            match = _BUSINESS_DAYS.match(text)
            targets[_severity(level)] = (
                ResponseTarget(business_days=int(match.group(1)))
                if match
                else ResponseTarget(duration=_duration(text))
            )
        windows = dict(base.phase_windows)
        order = [p for p in Phase if p in windows]
        for name, end in self.phase_windows.items():
            phase = _phase(name)
            start = (
                windows[order[order.index(phase) - 1]].end if order.index(phase) else timedelta(0)
            )
            windows[phase] = PhaseWindow(start=start, end=_duration(end))
        review_due = dict(base.review_due)
        for level, span in self.review_due.items():
            severity = _severity(level)
            if span in (None, "", "none"):
                review_due.pop(severity, None)
            else:
                review_due[severity] = _duration(span)
        escalation = dict(DEFAULT_ESCALATION)
        for level, steps in self.escalation.items():
            escalation[_severity(level)] = tuple(_step(s) for s in steps)
        return Policy(
            response_targets=targets,
            phase_windows=windows,
            status_interval=status_interval,
            external_first_notice=_by_severity(
                base.external_first_notice, self.external_first_notice
            ),
            external_interval=_by_severity(base.external_interval, self.external_interval),
            review_due=review_due,
            escalation=escalation,
            warning_fraction=self.warning_fraction,
            holidays=frozenset(self.holidays),
            business_hours=_business_hours(self.business_hours),
        )


def _business_hours(text: str) -> BusinessHours:
    try:
        return parse_business_hours(text)
    except DomainError as error:
        raise ValueError(error.message) from None


def _by_severity(base: Any, overrides: dict[str, str]) -> dict[Severity, timedelta]:
    merged: dict[Severity, timedelta] = dict(base)
    for level, span in overrides.items():
        merged[_severity(level)] = _duration(span)
    return merged


def _step(text: str) -> EscalationStep:
    """`15m backup` → page the backup 15 minutes after declaration."""
    parts = text.split()
    valid = ", ".join(t.value for t in PageTarget)
    if len(parts) != 2 or parts[1].lower() not in {t.value for t in PageTarget}:
        raise ValueError(
            f"`{text}` is not an escalation step; use `<delay> <{valid}>`, e.g. `15m backup`"
        )
    delay = timedelta(0) if parts[0] in ("0", "0m", "0s") else _duration(parts[0])
    return EscalationStep(after=delay, target=PageTarget(parts[1].lower()))


class Settings(BaseSettings):
    """Everything sevbot reads at start-up. Environment variables win over `sevbot.toml`."""

    model_config: ClassVar[dict[str, Any]] = {
        "env_prefix": "SEVBOT_",
        "env_nested_delimiter": "__",
        "extra": "ignore",
    }

    database_url: str = "sqlite:///sevbot.db"
    status_interval: timedelta = timedelta(minutes=30)
    host: str = "0.0.0.0"
    port: int = Field(
        default=8080, ge=1, le=65535, validation_alias=AliasChoices("PORT", "SEVBOT_PORT")
    )
    api_token: SecretStr | None = None
    transcript_file: str | None = None
    log_level: str = "INFO"
    public_url: str | None = None  # where people reach this server (links in messages)
    # The HTTP server behind a reverse proxy (issue 14): whose X-Forwarded-For to believe, and
    # how long a connection may idle (or take over its headers) and a request over its body.
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    http_idle_timeout: timedelta = timedelta(seconds=75)
    http_body_timeout: timedelta = timedelta(seconds=30)
    # The outbox gives up on a message undelivered for this long (issue 15); a rate limit or an
    # outage shorter than this only delays it.
    outbox_give_up: timedelta = timedelta(hours=24)
    # `sevbot run` waits this long for a database that is not up yet (issue 15), saying every
    # few seconds what it waits for; then it exits 1. A plain number is seconds; 0: no wait.
    db_wait: timedelta = timedelta(seconds=30)

    # Slack (issue: Slack adapter). Unset tokens: no Slack.
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    slack_announce_channel: str | None = None

    # Discord (issue: Discord adapter). Unset token: no Discord.
    discord_bot_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_BOT_TOKEN")
    discord_guild_id: int | None = Field(default=None, validation_alias="DISCORD_GUILD_ID")
    discord_api_url: str | None = Field(default=None, validation_alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, validation_alias="DISCORD_GATEWAY_URL")
    discord_incident_category: str | None = None
    discord_announce_channel: int | None = None

    # Reviews, metrics and the web pages.
    review_template: str | None = None
    metrics_token: SecretStr | None = None
    web_token: SecretStr | None = None
    status_page: StatusPageSettings = Field(default_factory=StatusPageSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)

    # Who may do what (issue 14): [access] and [[api_client]].
    access: AccessSettings = Field(default_factory=AccessSettings)
    api_client: list[ApiClientSettings] = Field(default_factory=list)

    # On-call (issue 6): [[rotation]] tables, and which rotation pages (per severity, if a table).
    rotation: list[RotationSettings] = Field(default_factory=list)
    page: str | dict[str, str] | None = None

    # Alerts in (issue 18): [[alert_source]] and [[heartbeat]] tables (bot/alerts_config.py).
    alert_source: list[AlertSourceSettings] = Field(default_factory=list)
    heartbeat: list[HeartbeatSettings] = Field(default_factory=list, validate_default=True)

    # One incident, several platforms (issue 19): [[person]] tables, [mirror], and where API
    # and alert incidents live without it (bot/people_config.py).
    person: list[PersonSettings] = Field(default_factory=list)
    mirror: MirrorSettings | None = None
    default_platform: str | None = None

    # GitHub out (issue 21): public incidents' issues, action items as issues (bot/github_config.py).
    github: GitHubSettings | None = None

    @model_validator(mode="before")
    @classmethod
    def _people_by_name(cls, data: Any) -> Any:
        return resolve_people(data)

    @field_validator("person")
    @classmethod
    def _persons(cls, value: list[PersonSettings]) -> list[PersonSettings]:
        directory_of(value)  # names and identities each in one table
        return value

    @field_validator("default_platform")
    @classmethod
    def _default_platform(cls, value: str | None) -> str | None:
        return check_default_platform(value)

    @field_validator("heartbeat")
    @classmethod
    def _alerts(
        cls, value: list[HeartbeatSettings], info: ValidationInfo
    ) -> list[HeartbeatSettings]:
        check_alert_settings(info.data.get("alert_source", []), value, info)
        return value

    @field_validator("rotation")
    @classmethod
    def _rotations(cls, value: list[RotationSettings]) -> list[RotationSettings]:
        names_unique(value)
        return value

    @field_validator("page")
    @classmethod
    def _page(
        cls, value: str | dict[str, str] | None, info: ValidationInfo
    ) -> str | dict[str, str] | None:
        check_page(value, info)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> tuple[IPNetwork, ...]:
        return proxy_networks(value)

    @field_validator("http_idle_timeout", "http_body_timeout", "outbox_give_up", mode="before")
    @classmethod
    def _timeouts(cls, value: Any) -> timedelta:
        return _duration(value)

    @field_validator("db_wait", mode="before")
    @classmethod
    def _db_wait(cls, value: Any) -> timedelta:
        if isinstance(value, int | float) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", str(value)):
            return timedelta(seconds=float(value))
        return _duration(value)

    @field_validator("status_interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> timedelta:
        return _duration(value)

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                f"`{value}` is not a database URL; use sqlite:///path/to/sevbot.db "
                "or postgresql://user@host:5432/dbname"
            )
        return value

    @classmethod
    def file_values(cls) -> dict[str, Any]:
        """The TOML file's values: the one SEVBOT_CONFIG names, else ./sevbot.toml (none when
        there is no such file; `load_settings` says so)."""
        found = find_config()
        if found.path is None or not found.path.is_file():
            return {}
        return read_config(found)

    @field_validator("api_client")
    @classmethod
    def _clients(cls, value: list[ApiClientSettings]) -> list[ApiClientSettings]:
        names = [client.name for client in value]
        twice = sorted({name for name in names if names.count(name) > 1 or name == "api"})
        if twice:
            raise ValueError(
                f"API client names must be unique and not `api` (SEVBOT_API_TOKEN's): {twice}"
            )
        return value

    def access_policy(self) -> Access:
        """The access rules these settings describe (the core's `Access`)."""
        clients = {
            client.name: frozenset(Verb(v) for v in client.may) for client in self.api_client
        }
        return Access(
            admins=frozenset(self.access.admins),
            declare=None if self.access.declare is None else frozenset(self.access.declare),
            api_clients=clients,
        )

    def people(self) -> PeopleDirectory:
        """The people directory of the `[[person]]` tables."""
        return directory_of(self.person)

    def api_tokens(self) -> dict[str, Person]:
        """Each API token and the identity it acts as: SEVBOT_API_TOKEN is `api:api`, each
        `[[api_client]]` `api:<name>`. ValueError when a client's token variable is unset."""
        tokens: dict[str, Person] = {}
        if self.api_token is not None:
            tokens[self.api_token.get_secret_value()] = Person.of(TOOL, "api")
        for client in self.api_client:
            tokens[client.token()] = Person.of(TOOL, client.name)
        return tokens

    def domain_policy(self) -> Policy:
        """The response policy these settings describe."""
        policy = self.policy.to_policy(self.status_interval)
        policy = replace(policy, status_page=self.status_page.policy())
        if self.public_url:
            policy = replace(policy, status_page_url=self.public_url.rstrip("/") + "/status")
        return policy


_ENV_NAMES = {
    "port": "PORT",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "discord_bot_token": "DISCORD_BOT_TOKEN",
    "discord_guild_id": "DISCORD_GUILD_ID",
    "discord_api_url": "DISCORD_API_URL",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
}


def setting_names() -> set[str]:
    """Every top-level key `sevbot.toml` may hold: each setting's name and its aliases."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(name)
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
    return names


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value raises ConfigError naming the setting and what is valid
    (one line for one problem), as does a configuration file that is missing, not TOML, or
    has a key that is no setting."""
    found = find_config()
    document = read_config(found)
    if found.path is not None:
        check_keys(found.path, document, setting_names())
    try:
        settings = Settings(**overrides)
        settings.domain_policy()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = ".".join(str(p) for p in problem["loc"])
            env = (
                name
                if name.isupper()
                else _ENV_NAMES.get(name, "SEVBOT_" + name.upper().replace(".", "__"))
            )
            reason = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"{env} (or `{name.lower()}` in sevbot.toml): {reason}")
        if len(lines) == 1:
            raise ConfigError(f"Invalid configuration: {lines[0]}") from None
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from None
    except ValueError as error:
        raise ConfigError(f"Invalid policy in configuration: {error}") from None
    try:
        settings.api_tokens()
    except ValueError as error:
        raise ConfigError(f"Invalid [[api_client]] in configuration: {error}.") from None
    try:
        for source in settings.alert_source:
            source.token()
        for heartbeat in settings.heartbeat:
            heartbeat.token()
    except ValueError as error:
        raise ConfigError(f"Invalid alert configuration: {error}.") from None
    return settings


__all__ = [
    "DURATION_HINT",
    "AccessSettings",
    "ApiClientSettings",
    "ConfigError",
    "Settings",
    "load_settings",
]
