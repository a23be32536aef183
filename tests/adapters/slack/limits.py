"""Slack's published limits in one table, and the checks the stand-in makes with them.

Each limit names the page of Slack's reference that states it (docs.slack.dev; api.slack.com is
the older copy of the same pages). A payload over a limit is refused as Slack refuses it:

- chat.postMessage, chat.postEphemeral: `{"ok": false, "error": "invalid_blocks", "errors":
  ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"], "response_metadata":
  {"messages": ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]}}`
  (Slack's answer as quoted in slackapi/java-slack-sdk#1017 and metabase/metabase#74943), and
  `msg_too_long` for the `text` (in the method's error list, slackapi/slack-api-specs).
- views.open: `invalid_arguments` with the same messages in `response_metadata` only (the
  method's error example in slackapi/slack-api-specs; "[ERROR] must be less than 24 characters
  [json-pointer:/view/title/text]" as quoted in jeremeamia/slack-block-kit#3).
- A response_url: HTTP 400 with the code as plain text, as Slack answers an incoming webhook
  (slackapi/java-slack-sdk#1017); Slack documents no error shape for response_url itself.

How Slack counts "characters" is not documented. Lengths here are UTF-16 code units of the string
as sent (`&amp;` is five, an astral emoji two), never fewer than the code points, so what passes
here passes either way. Not enforced, because Slack does not document it: a limit on the total
text of all blocks of a message (`msg_blocks_too_long`, seen near 12,000 characters in
slackapi/bolt-js#2509 and #2867).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REFERENCE = "https://docs.slack.dev/reference"
BLOCKS = f"{REFERENCE}/block-kit/blocks"
ELEMENTS = f"{REFERENCE}/block-kit/block-elements"
OBJECTS = f"{REFERENCE}/block-kit/composition-objects"
METHODS = f"{REFERENCE}/methods"
MODAL = f"{REFERENCE}/views/modal-views"
TRUNCATION = "https://api.slack.com/changelog/2018-04-truncating-really-long-messages"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `maximum` characters (or items, for a list) in `field`; more is `error` where
    sevbot uses the field (`invalid_arguments` in a modal, `invalid_blocks` in a message)."""

    field: str
    maximum: int
    error: str
    source: str
    note: str = ""


LIMITS: dict[str, Limit] = {
    limit.field: limit
    for limit in (
        Limit("message.blocks", 50, "invalid_blocks", BLOCKS, "up to 50 blocks in each message"),
        Limit("view.blocks", 100, "invalid_arguments", MODAL, "BLOCKS says so too"),
        Limit(
            "message.text",
            40_000,
            "msg_too_long",
            f"{METHODS}/chat.postMessage",
            f"Slack truncates longer text with a `message_truncated` warning ({TRUNCATION}) and "
            "lists msg_too_long among the errors; the stand-in refuses: cut text is lost text",
        ),
        Limit("text_object.text", 3000, "invalid_blocks", f"{OBJECTS}/text-object", "min 1"),
        Limit("section.text", 3000, "invalid_blocks", f"{BLOCKS}/section-block", "min 1"),
        Limit("section.fields", 10, "invalid_blocks", f"{BLOCKS}/section-block"),
        Limit("section.field", 2000, "invalid_blocks", f"{BLOCKS}/section-block"),
        Limit("header.text", 150, "invalid_blocks", f"{BLOCKS}/header-block", "plain_text"),
        Limit("context.elements", 10, "invalid_blocks", f"{BLOCKS}/context-block"),
        Limit("actions.elements", 25, "invalid_blocks", f"{BLOCKS}/actions-block"),
        Limit("block_id", 255, "invalid_blocks", f"{BLOCKS}/section-block", "every block"),
        Limit("action_id", 255, "invalid_blocks", f"{ELEMENTS}/button-element", "every element"),
        Limit("button.text", 75, "invalid_blocks", f"{ELEMENTS}/button-element", "plain_text"),
        Limit("button.value", 2000, "invalid_blocks", f"{ELEMENTS}/button-element"),
        Limit("button.url", 3000, "invalid_blocks", f"{ELEMENTS}/button-element"),
        Limit("input.label", 2000, "invalid_arguments", f"{BLOCKS}/input-block", "plain_text"),
        Limit("input.hint", 2000, "invalid_arguments", f"{BLOCKS}/input-block", "plain_text"),
        Limit(
            "plain_text_input.placeholder",
            150,
            "invalid_arguments",
            f"{ELEMENTS}/plain-text-input-element",
        ),
        Limit(
            "plain_text_input.max_length",
            3000,
            "invalid_arguments",
            f"{ELEMENTS}/plain-text-input-element",
            "1 to 3000",
        ),
        Limit("static_select.options", 100, "invalid_arguments", f"{ELEMENTS}/select-menu-element"),
        Limit(
            "static_select.placeholder", 150, "invalid_arguments", f"{ELEMENTS}/select-menu-element"
        ),
        Limit("checkboxes.options", 10, "invalid_arguments", f"{ELEMENTS}/checkboxes-element"),
        Limit("option.text", 75, "invalid_arguments", f"{OBJECTS}/option-object"),
        Limit("option.value", 150, "invalid_arguments", f"{OBJECTS}/option-object"),
        Limit("option.description", 75, "invalid_arguments", f"{OBJECTS}/option-object"),
        Limit("view.title", 24, "invalid_arguments", MODAL, "plain_text, required"),
        Limit("view.submit", 24, "invalid_arguments", MODAL, "required with an input block"),
        Limit("view.close", 24, "invalid_arguments", MODAL),
        Limit("view.private_metadata", 3000, "invalid_arguments", MODAL),
        Limit("view.callback_id", 255, "invalid_arguments", MODAL),
        Limit(
            "channel.name",
            80,
            "invalid_name_maxlength",
            f"{METHODS}/conversations.create",
            "lower case letters, digits, `-` and `_` (invalid_name_specials); not only `-` and "
            "`_` (invalid_name_punctuation); not empty (invalid_name_required)",
        ),
        Limit("channel.topic", 250, "too_long", f"{METHODS}/conversations.setTopic"),
    )
}
_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
_TEXT_KINDS = ("plain_text", "mrkdwn")


class SlackError(Exception):
    """An `{"ok": false, "error": code}` answer; `errors` list what was wrong, as Slack does
    (in `errors` too when `listed`, in `response_metadata.messages` always)."""

    def __init__(self, code: str, errors: Iterable[str] = (), *, listed: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.errors = list(errors)
        self.listed = listed

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        body: dict[str, Any] = {"ok": False, "error": self.code}
        if self.errors:
            if self.listed:
                body["errors"] = list(self.errors)
            body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in self.errors]}
        return body


def units(text: str) -> int:
    """A length as the stand-in counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def decoded(value: Any) -> Any:
    """A JSON argument as Slack reads it: a form sends it as a string, a JSON body as is."""
    return json.loads(value) if isinstance(value, str) and value else value


def check_message(params: Mapping[str, Any]) -> None:
    """A message (chat.postMessage, chat.postEphemeral, a response_url post): its `text` and
    its blocks."""
    text = params.get("text") or ""
    blocks = decoded(params.get("blocks")) or []
    if not text and not blocks:
        raise SlackError("no_text")
    if units(str(text)) > LIMITS["message.text"].maximum:
        raise SlackError("msg_too_long")
    checker = _Checker()
    checker.blocks(blocks, "/blocks", "message.blocks")
    if checker.errors:
        raise SlackError("invalid_blocks", checker.errors)


def check_view(view: Any) -> None:
    """A modal for views.open."""
    checker = _Checker()
    checker.view(view)
    if checker.errors:
        raise SlackError("invalid_arguments", checker.errors, listed=False)


def check_channel_name(name: str) -> None:
    """A name for conversations.create."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > LIMITS["channel.name"].maximum:
        raise SlackError("invalid_name_maxlength")
    if not _CHANNEL_NAME.match(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")


def check_topic(topic: str) -> None:
    """A topic for conversations.setTopic."""
    if units(topic) > LIMITS["channel.topic"].maximum:
        raise SlackError("too_long")


class _Checker:
    """Walks blocks and views, collecting what breaks a rule, each with its JSON pointer."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, what: str, pointer: str) -> None:
        self.errors.append(f"{what} [json-pointer:{pointer}]")

    def length(self, field: str, value: Any, pointer: str) -> None:
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif units(value) > LIMITS[field].maximum:
            self.fail(f"must be less than {LIMITS[field].maximum + 1} characters", pointer)

    def count(self, field: str, items: Any, pointer: str) -> list[Any]:
        if not isinstance(items, list) or not items:
            self.fail("must be a non-empty array", pointer)
            return []
        if len(items) > LIMITS[field].maximum:
            self.fail(f"must have no more than {LIMITS[field].maximum} items", pointer)
        return items

    def text(self, value: Any, pointer: str, field: str, *, plain: bool = False) -> None:
        """A text object: its type, at least 1 character, and the field's own limit (each at
        most a text object's 3,000)."""
        kinds = ("plain_text",) if plain else _TEXT_KINDS
        if not isinstance(value, dict) or value.get("type") not in kinds:
            self.fail(f"must be a text object of type {' or '.join(kinds)}", pointer)
            return
        text = value.get("text")
        if isinstance(text, str) and not text:
            self.fail("must be at least 1 character", f"{pointer}/text")
        self.length(field, text, f"{pointer}/text")

    def view(self, view: Any) -> None:
        if not isinstance(view, dict) or view.get("type") != "modal":
            self.fail("must be a modal view", "/view")
            return
        self.text(view.get("title"), "/view/title", "view.title", plain=True)
        blocks = self.count("view.blocks", view.get("blocks"), "/view/blocks")
        for name in ("submit", "close"):
            if name in view:
                self.text(view[name], f"/view/{name}", f"view.{name}", plain=True)
        if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
            self.fail("submit is required with an input block", "/view/submit")
        for name in ("private_metadata", "callback_id"):
            if name in view:
                self.length(f"view.{name}", view[name], f"/view/{name}")
        self.blocks(blocks, "/view/blocks", None)

    def blocks(self, blocks: Any, pointer: str, count: str | None) -> None:
        if count is not None and blocks:
            self.count(count, blocks, pointer)
        for index, block in enumerate(blocks if isinstance(blocks, list) else ()):
            self.block(block, f"{pointer}/{index}")

    def block(self, block: Any, pointer: str) -> None:
        kind = block.get("type") if isinstance(block, dict) else None
        check = _BLOCKS.get(str(kind))
        if check is None:
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if "block_id" in block:
            self.length("block_id", block["block_id"], f"{pointer}/block_id")
        check(self, block, pointer)

    def section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must define either `text` or `fields`", pointer)
        if "text" in block:
            self.text(block["text"], f"{pointer}/text", "section.text")
        if "fields" in block:
            fields = self.count("section.fields", block["fields"], f"{pointer}/fields")
            for index, item in enumerate(fields):
                self.text(item, f"{pointer}/fields/{index}", "section.field")
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), f"{pointer}/text", "header.text", plain=True)

    def context(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.count("context.elements", block.get("elements"), f"{pointer}/elements")
        for index, item in enumerate(elements):
            self.text(item, f"{pointer}/elements/{index}", "text_object.text")

    def actions(self, block: dict[str, Any], pointer: str) -> None:
        elements = self.count("actions.elements", block.get("elements"), f"{pointer}/elements")
        ids = [e.get("action_id") for e in elements if isinstance(e, dict) and "action_id" in e]
        if len(ids) != len(set(ids)):
            self.fail("action_id must be unique in a block", f"{pointer}/elements")
        for index, item in enumerate(elements):
            self.element(item, f"{pointer}/elements/{index}")

    def input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), f"{pointer}/label", "input.label", plain=True)
        if "hint" in block:
            self.text(block["hint"], f"{pointer}/hint", "input.hint", plain=True)
        self.element(block.get("element"), f"{pointer}/element")

    def divider(self, block: dict[str, Any], pointer: str) -> None:
        """Nothing to check."""

    def element(self, element: Any, pointer: str) -> None:
        kind = element.get("type") if isinstance(element, dict) else None
        check = _ELEMENTS.get(str(kind))
        if check is None:
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if "action_id" in element:
            self.length("action_id", element["action_id"], f"{pointer}/action_id")
        check(self, element, pointer)

    def button(self, element: dict[str, Any], pointer: str) -> None:
        self.text(element.get("text"), f"{pointer}/text", "button.text", plain=True)
        for name in ("value", "url"):
            if name in element:
                self.length(f"button.{name}", element[name], f"{pointer}/{name}")

    def plain_text_input(self, element: dict[str, Any], pointer: str) -> None:
        if "placeholder" in element:
            field = "plain_text_input.placeholder"
            self.text(element["placeholder"], f"{pointer}/placeholder", field, plain=True)
        maximum = element.get("max_length")
        if maximum is not None and not 1 <= maximum <= 3000:
            self.fail("must be between 1 and 3000", f"{pointer}/max_length")

    def static_select(self, element: dict[str, Any], pointer: str) -> None:
        if "placeholder" in element:
            field = "static_select.placeholder"
            self.text(element["placeholder"], f"{pointer}/placeholder", field, plain=True)
        options = self.count("static_select.options", element.get("options"), f"{pointer}/options")
        self.options(options, f"{pointer}/options", plain=True)

    def checkboxes(self, element: dict[str, Any], pointer: str) -> None:
        options = self.count("checkboxes.options", element.get("options"), f"{pointer}/options")
        self.options(options, f"{pointer}/options", plain=False)

    def options(self, options: list[Any], pointer: str, *, plain: bool) -> None:
        for index, option in enumerate(options):
            at = f"{pointer}/{index}"
            if not isinstance(option, dict):
                self.fail("must be an option object", at)
                continue
            self.text(option.get("text"), f"{at}/text", "option.text", plain=plain)
            self.length("option.value", option.get("value"), f"{at}/value")
            if "description" in option:
                self.text(option["description"], f"{at}/description", "option.description")


_BLOCKS = {
    "section": _Checker.section,
    "header": _Checker.header,
    "context": _Checker.context,
    "actions": _Checker.actions,
    "input": _Checker.input,
    "divider": _Checker.divider,
}
_ELEMENTS = {
    "button": _Checker.button,
    "plain_text_input": _Checker.plain_text_input,
    "static_select": _Checker.static_select,
    "checkboxes": _Checker.checkboxes,
}
