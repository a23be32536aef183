"""Dispatch: each request type of the command language has exactly one handler, in one table.

The service's `REQUEST_HANDLERS` answers queries and opening itself and hands every command on
an existing incident to the domain, whose table is made of the lifecycle, record and timer
firing tables (and the status page's, `incidents.publishing`, and the alerts',
`incidents.alerts.record`).
"""

from __future__ import annotations

import inspect
import typing

from bot.service import EXECUTE_ON_INCIDENT, REQUEST_HANDLERS
from incidents import commands as c
from incidents.alerts.record import ALERT_HANDLERS
from incidents.ending import ENDING_HANDLERS
from incidents.firing import FIRING_HANDLERS
from incidents.handlers import INCIDENT_HANDLERS
from incidents.lifecycle import LIFECYCLE_HANDLERS
from incidents.publishing import PUBLISHING_HANDLERS
from incidents.records import RECORD_HANDLERS


def request_classes() -> set[type]:
    """Every concrete class defined in `incidents.commands`: the commands and queries."""
    return {
        cls
        for _, cls in inspect.getmembers(c, inspect.isclass)
        if cls.__module__ == c.__name__
        and not inspect.isabstract(cls)
        and not getattr(cls, "_is_protocol", False)
    }


def test_every_request_class_has_exactly_one_handler() -> None:
    """Each command and query is handled by the service or one domain table, never both or none."""
    own = {kind for kind, handler in REQUEST_HANDLERS.items() if handler is not EXECUTE_ON_INCIDENT}
    tables: dict[str, typing.Collection[type]] = {
        "bot.service": own,
        "incidents.lifecycle": LIFECYCLE_HANDLERS,
        "incidents.ending": ENDING_HANDLERS,
        "incidents.records": RECORD_HANDLERS,
        "incidents.publishing": PUBLISHING_HANDLERS,
        "incidents.firing": FIRING_HANDLERS,
        "incidents.alerts.record": ALERT_HANDLERS,
    }
    owners = {
        cls.__name__: [name for name, table in tables.items() if cls in table]
        for cls in request_classes()
    }
    assert {name: found for name, found in owners.items() if len(found) != 1} == {}


def test_the_service_table_covers_exactly_the_request_classes() -> None:
    """The service looks every request up in one table; it has no entry for a class not defined."""
    assert set(REQUEST_HANDLERS) == request_classes()
    assert set(INCIDENT_HANDLERS) == {
        *LIFECYCLE_HANDLERS,
        *ENDING_HANDLERS,
        *RECORD_HANDLERS,
        *PUBLISHING_HANDLERS,
        *FIRING_HANDLERS,
        *ALERT_HANDLERS,
    }
    assert {REQUEST_HANDLERS[kind] for kind in INCIDENT_HANDLERS} == {EXECUTE_ON_INCIDENT}


def test_the_request_union_names_every_request_class() -> None:
    """`Request` (commands | queries), the type handlers accept, lists every class defined."""
    assert set(typing.get_args(c.Request)) == request_classes()
