"""`sevbot report`: incident figures over a window, as a table, CSV or JSON.

Per severity (the one each incident ended with) and in total: incidents declared, mean and
median time to acknowledge (MTTA) and to resolve (MTTR), response-target breaches, missed
phase windows while the incident was worked (detection to mitigation), reviews done on time,
and action items still open. Computed from the store with the same facts as the review.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from incidents.model import Incident
from incidents.policy import Policy
from incidents.ports import Store
from incidents.review import Verdict, review_facts
from incidents.severity import Severity
from incidents.timefmt import duration_text, stamp
from incidents.timers import review_due_at

FORMATS = ("table", "csv", "json")


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """The figures of one group of incidents (a severity, or all). Durations in seconds."""

    severity: str
    incidents: int
    acknowledged: int
    mtta_mean_seconds: float | None
    mtta_median_seconds: float | None
    resolved: int
    mttr_mean_seconds: float | None
    mttr_median_seconds: float | None
    response_breaches: int
    phase_breaches: int
    reviews_required: int
    reviews_on_time: int
    reviews_late: int
    reviews_missed: int
    reviews_pending: int
    open_action_items: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The figures per severity and in total, for incidents declared in [since, until]."""

    since: datetime
    until: datetime
    severities: tuple[Figures, ...]
    total: Figures
    open_action_items_all: int  # across every incident, whenever declared


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def figures(label: str, incidents: Sequence[Incident], policy: Policy, now: datetime) -> Figures:
    """Compute one row of the report for `incidents`."""
    acks = [
        (i.acknowledged_at - i.declared_at).total_seconds()
        for i in incidents
        if i.acknowledged_at is not None
    ]
    resolutions = [
        (i.resolved_at - i.declared_at).total_seconds()
        for i in incidents
        if i.resolved_at is not None
    ]
    response_breaches = phase_breaches = 0
    reviews = {"required": 0, "on_time": 0, "late": 0, "missed": 0, "pending": 0}
    open_items = 0
    for incident in incidents:
        facts = review_facts(incident, policy, now)
        response_breaches += facts.response_verdict is Verdict.MISSED
        phase_breaches += sum(1 for span in facts.phases if span.verdict is Verdict.MISSED)
        open_items += sum(1 for item in incident.action_items if item.done_at is None)
        due = review_due_at(incident, policy)
        if due is None:
            continue
        reviews["required"] += 1
        done = incident.review_done_at
        if done is not None:
            reviews["on_time" if done <= due else "late"] += 1
        else:
            reviews["missed" if now > due else "pending"] += 1
    return Figures(
        severity=label,
        incidents=len(incidents),
        acknowledged=len(acks),
        mtta_mean_seconds=_mean(acks),
        mtta_median_seconds=_median(acks),
        resolved=len(resolutions),
        mttr_mean_seconds=_mean(resolutions),
        mttr_median_seconds=_median(resolutions),
        response_breaches=response_breaches,
        phase_breaches=phase_breaches,
        reviews_required=reviews["required"],
        reviews_on_time=reviews["on_time"],
        reviews_late=reviews["late"],
        reviews_missed=reviews["missed"],
        reviews_pending=reviews["pending"],
        open_action_items=open_items,
    )


async def build_report(store: Store, policy: Policy, since: datetime, now: datetime) -> Report:
    """Read the incidents declared since `since` and compute the report as of `now`."""
    async with store.transaction() as uow:
        incidents = await uow.incidents_since(since)
        open_all = await uow.count_open_action_items()
    incidents = [i for i in incidents if i.declared_at <= now]
    return Report(
        since=since,
        until=now,
        severities=tuple(
            figures(severity.label, [i for i in incidents if i.severity is severity], policy, now)
            for severity in Severity
        ),
        total=figures("all", incidents, policy, now),
        open_action_items_all=open_all,
    )


def _json_number(seconds: float | None) -> float | int | None:
    if seconds is None:
        return None
    return int(seconds) if seconds == int(seconds) else round(seconds, 3)


def _row(figures: Figures) -> dict[str, Any]:
    return {
        key: _json_number(value) if key.endswith("_seconds") else value
        for key, value in asdict(figures).items()
    }


def as_json(report: Report) -> str:
    """The report as a JSON document."""
    document = {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "severities": [_row(f) for f in report.severities],
        "total": _row(report.total),
        "open_action_items_all": report.open_action_items_all,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_csv(report: Report) -> str:
    """One CSV row per severity and one for all; durations in seconds."""
    buffer = io.StringIO()
    rows = [_row(f) for f in (*report.severities, report.total)]
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _took(seconds: float | None) -> str:
    return "—" if seconds is None else duration_text(timedelta(seconds=seconds))


_COLUMNS = (
    ("SEVERITY", "<"),
    ("INCIDENTS", ">"),
    ("MTTA MEAN", ">"),
    ("MTTA MEDIAN", ">"),
    ("MTTR MEAN", ">"),
    ("MTTR MEDIAN", ">"),
    ("RESPONSE BREACHES", ">"),
    ("PHASE BREACHES", ">"),
    ("REVIEWS ON TIME", ">"),
    ("OPEN ACTIONS", ">"),
)


def as_table(report: Report) -> str:
    """A table for people, with a line on what it covers."""
    lines = [
        f"Incidents declared {stamp(report.since)} – {stamp(report.until)} "
        f"({duration_text(report.until - report.since)})",
        "",
    ]
    cells = [[name for name, _ in _COLUMNS]]
    for f in (*report.severities, report.total):
        cells.append(
            [
                f.severity,
                str(f.incidents),
                _took(f.mtta_mean_seconds),
                _took(f.mtta_median_seconds),
                _took(f.mttr_mean_seconds),
                _took(f.mttr_median_seconds),
                str(f.response_breaches),
                str(f.phase_breaches),
                f"{f.reviews_on_time}/{f.reviews_required}" if f.reviews_required else "—",
                str(f.open_action_items),
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(_COLUMNS))]
    for row in cells:
        lines.append(
            "  ".join(
                f"{cell:{align}{width}}"
                for cell, (_, align), width in zip(row, _COLUMNS, widths, strict=True)
            ).rstrip()
        )
    total = report.total
    if total.reviews_late or total.reviews_missed or total.reviews_pending:
        lines += [
            "",
            f"Reviews: {total.reviews_on_time} on time, {total.reviews_late} late, "
            f"{total.reviews_missed} missed, {total.reviews_pending} not due yet.",
        ]
    lines += ["", f"Open action items across all incidents: {report.open_action_items_all}"]
    return "\n".join(lines) + "\n"


def render(report: Report, fmt: str) -> str:
    """The report in `fmt` (table, csv or json)."""
    if fmt == "json":
        return as_json(report)
    if fmt == "csv":
        return as_csv(report)
    return as_table(report)
