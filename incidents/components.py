"""Status-page components: their statuses, and the page's one-line status blended from them.

The vocabulary and the blending follow Atlassian Statuspage, whose `summary.json` consumers
already read:

* component statuses (operational, under maintenance, degraded performance, partial outage,
  major outage): https://support.atlassian.com/statuspage/docs/show-service-status-with-components/
* the top-level status and its wording ("All Systems Operational", "Partially Degraded
  Service", "Degraded System Service", "Minor Service Outage", "Partial System Outage", "Major
  System Outage", "Service Under Maintenance"):
  https://support.atlassian.com/statuspage/docs/top-level-status-and-incident-impact-calculations/
* the indicator (none, minor, major, critical) beside it, as in the example of every hosted
  page's API description (e.g. https://status.chargebee.com/api: "Partial System Outage" with
  indicator "major"); under maintenance Statuspage answers `maintenance`, which that
  description omits (https://github.com/cloudsmith-io/cloudsmith-api/issues/25).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from incidents.errors import InvalidCommand
from incidents.severity import Severity

DEFAULT_PUBLIC_TITLE = "Service disruption"


class ComponentStatus(enum.StrEnum):
    """A component's status in Statuspage's words, from best to worst."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """How bad: 0 (operational) to 4 (major outage)."""
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        """What people read: `partial outage`."""
        return self.value.replace("_", " ")


_ORDER = tuple(ComponentStatus)
# The words `/incident component <name> <status>` takes; Statuspage's own names work too.
STATUS_WORDS: dict[str, ComponentStatus] = {
    "operational": ComponentStatus.OPERATIONAL,
    "degraded": ComponentStatus.DEGRADED_PERFORMANCE,
    "partial": ComponentStatus.PARTIAL_OUTAGE,
    "major": ComponentStatus.MAJOR_OUTAGE,
    **{status.value: status for status in ComponentStatus if status.rank != 1},
}
SETTABLE = "operational, degraded, partial or major"


def parse_component_status(word: str) -> ComponentStatus:
    """`degraded` (or `degraded_performance`) → DEGRADED_PERFORMANCE; refuses other words."""
    status = STATUS_WORDS.get(word.strip().lower().replace("-", "_"))
    if status is None:
        raise InvalidCommand(
            f"Unknown component status `{word}`. Use {SETTABLE}, "
            "e.g. `/incident component Checkout degraded`."
        )
    return status


def status_for_severity(severity: Severity) -> ComponentStatus:
    """What a component named when an incident opens shows: SEV-0 a major outage, SEV-1 a
    partial outage, SEV-2 and SEV-3 degraded performance (`/incident component` changes it)."""
    if severity is Severity.SEV0:
        return ComponentStatus.MAJOR_OUTAGE
    if severity is Severity.SEV1:
        return ComponentStatus.PARTIAL_OUTAGE
    return ComponentStatus.DEGRADED_PERFORMANCE


@dataclass(frozen=True, slots=True)
class ComponentImpact:
    """What one incident says about one component."""

    name: str
    status: ComponentStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusPagePolicy:
    """The public page's configuration the core needs: its components in page order, the title
    shown until someone publishes one, and the severities that make an incident public."""

    components: tuple[str, ...] = ()
    default_title: str = DEFAULT_PUBLIC_TITLE
    public_severities: frozenset[Severity] = field(
        default_factory=lambda: frozenset({Severity.SEV0, Severity.SEV1, Severity.SEV2})
    )

    def component(self, name: str, example: str) -> str:
        """The configured component called `name` (any case), spelled as configured."""
        wanted = " ".join(name.split()).casefold()
        for known in self.components:
            if known.casefold() == wanted:
                return known
        if not self.components:
            raise InvalidCommand(
                "The status page has no components. List them in sevbot.toml, e.g. "
                '`[status_page] components = ["API", "Checkout"]`.'
            )
        raise InvalidCommand(
            f"Unknown component `{name}`. Use one of: {', '.join(self.components)}, "
            f"e.g. `{example}`."
        )

    def components_named(self, names: Iterable[str], example: str) -> tuple[str, ...]:
        """Configured names for `names`, each once, in the order given."""
        found: dict[str, None] = {}
        for name in names:
            found.setdefault(self.component(name, example), None)
        return tuple(found)


class Indicator(enum.StrEnum):
    """The page's indicator, from best to worst."""

    NONE = "none"
    MAINTENANCE = "maintenance"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class PageStatus:
    """The one-line answer to "is it working?": Statuspage's indicator and description."""

    indicator: Indicator
    description: str


OPERATIONAL_PAGE = PageStatus(Indicator.NONE, "All Systems Operational")
# An open incident's impact, for a page whose components say less (or that has none).
_BY_IMPACT = {
    "minor": PageStatus(Indicator.MINOR, "Minor Service Outage"),
    "major": PageStatus(Indicator.MAJOR, "Partial System Outage"),
    "critical": PageStatus(Indicator.CRITICAL, "Major System Outage"),
}


def blend(statuses: Sequence[ComponentStatus]) -> PageStatus:
    """The top-level status of a page whose components have `statuses` (Statuspage's rules:
    one component speaks for the page; of several, the worst decides, with "all" a step
    worse than "some")."""
    worst = max(statuses, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)
    every = all(s is worst for s in statuses)
    if worst is ComponentStatus.MAJOR_OUTAGE:
        if every:
            return PageStatus(Indicator.CRITICAL, "Major System Outage")
        return PageStatus(Indicator.MAJOR, "Partial System Outage")
    if worst is ComponentStatus.PARTIAL_OUTAGE:
        if every:
            return PageStatus(Indicator.MAJOR, "Partial System Outage")
        return PageStatus(Indicator.MINOR, "Minor Service Outage")
    if worst is ComponentStatus.DEGRADED_PERFORMANCE:
        if every and len(statuses) > 1:
            return PageStatus(Indicator.MINOR, "Degraded System Service")
        return PageStatus(Indicator.MINOR, "Partially Degraded Service")
    if worst is ComponentStatus.UNDER_MAINTENANCE:
        return PageStatus(Indicator.MAINTENANCE, "Service Under Maintenance")
    return OPERATIONAL_PAGE


def page_status(statuses: Sequence[ComponentStatus], impacts: Collection[str]) -> PageStatus:
    """The page's status from its components' statuses and the impacts (minor, major,
    critical) of its open incidents: whichever says worse (the components on a tie)."""
    from_components = blend(statuses)
    order = list(Indicator)
    worst = max(
        (_BY_IMPACT[i] for i in impacts if i in _BY_IMPACT),
        key=lambda s: order.index(s.indicator),
        default=OPERATIONAL_PAGE,
    )
    if order.index(worst.indicator) > order.index(from_components.indicator):
        return worst
    return from_components
