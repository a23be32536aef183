"""The modals sevbot opens: status update, severity change, resolution summary."""

from __future__ import annotations

from typing import Any

from adapters.slack.parse import RESOLVE_MODAL, SEVERITY_MODAL, STATUS_MODAL, ModalContext
from adapters.slack.text import clip
from incidents.messages import Button
from incidents.severity import Severity

View = dict[str, Any]
TITLE_LIMIT = 24  # a modal's title (docs.slack.dev/reference/views/modal-views)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _modal(
    callback_id: str, title: str, submit: str, context: ModalContext, blocks: list[Any]
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": context.dump(),
        "title": _plain(clip(title, TITLE_LIMIT)),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _ref(context: ModalContext) -> str:
    return f" #{context.incident}" if context.incident is not None else ""


def status_modal(context: ModalContext) -> View:
    """What do we know, what are we doing, when is the next update; optionally external."""
    return _modal(
        STATUS_MODAL,
        f"Status update{_ref(context)}",
        "Post update",
        context,
        [
            {
                "type": "input",
                "block_id": "status",
                "label": _plain("What do we know, what are we doing, when is the next update?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            {
                "type": "input",
                "block_id": "external",
                "optional": True,
                "label": _plain("Audience"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "external",
                    "options": [
                        {
                            "text": _plain("External: for customers and the status page"),
                            "value": "external",
                        }
                    ],
                },
            },
        ],
    )


def severity_modal(context: ModalContext, current: Severity | None = None) -> View:
    """Pick the new severity."""
    options = [
        {"text": _plain(f"{level.emoji} {level.label}"), "value": str(level.value)}
        for level in Severity
    ]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "severity",
        "placeholder": _plain("Choose a severity"),
        "options": options,
    }
    if current is not None:
        element["initial_option"] = options[current.value]
    return _modal(
        SEVERITY_MODAL,
        f"Severity{_ref(context)}",
        "Change",
        context,
        [
            {
                "type": "input",
                "block_id": "severity",
                "label": _plain("New severity"),
                "element": element,
            }
        ],
    )


def resolve_modal(context: ModalContext) -> View:
    """Resolve, with an optional summary of the fix."""
    return _modal(
        RESOLVE_MODAL,
        f"Resolve{_ref(context)}",
        "Resolve",
        context,
        [
            {
                "type": "input",
                "block_id": "summary",
                "optional": True,
                "label": _plain("What fixed it?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "summary",
                    "multiline": True,
                    "max_length": 3000,
                },
            }
        ],
    )


MODAL_FOR_BUTTON = {
    Button.POST_UPDATE: status_modal,
    Button.RESOLVE: resolve_modal,
}
