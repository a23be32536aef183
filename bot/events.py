"""Event handlers: many per event; one failing is logged and does not stop the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from incidents.events import Event

log = logging.getLogger(__name__)
EventHandler = Callable[[Event], None]


class EventPublisher:
    """Calls every subscribed handler for each event after the change has committed."""

    def __init__(self, handlers: Iterable[EventHandler] = ()) -> None:
        self._handlers = tuple(handlers)

    def subscribe(self, handler: EventHandler) -> None:
        """Add a handler built after the publisher (the alerts' silences)."""
        self._handlers = (*self._handlers, handler)

    def publish(self, events: Iterable[Event]) -> None:
        """Run the handlers; log (with the incident number) and carry on when one fails."""
        for event in events:
            for handler in self._handlers:
                try:
                    handler(event)
                except Exception:
                    log.exception(
                        "event handler %s failed for incident #%s (%s)",
                        getattr(handler, "__name__", handler),
                        event.number,
                        type(event).__name__,
                    )
