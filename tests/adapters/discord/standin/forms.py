"""Request bodies checked against `limits.LIMITS`, refused the way Discord refuses them.

Every breach found in a body is reported at once, as Discord does (reference "Error
Messages"): HTTP 400 with

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"data": {"components": {"0": {"components": {"0": {"label": {"_errors": [
         {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 45 or fewer in length."}]}}}}}}}}

keyed by the JSON path of the field (array positions as strings). The wording of each error is
the one Discord's answers carry: `BASE_TYPE_MAX_LENGTH` "Must be N or fewer in length."
(arrays too, discord-api-docs issue 2519), `BASE_TYPE_MIN_LENGTH` "Must be N or more in
length.", `BASE_TYPE_BAD_LENGTH` "Must be between A and B in length." for the fields limits.py
marks `between`, `NUMBER_TYPE_MAX`/`NUMBER_TYPE_MIN` for numbers, `MAX_EMBED_SIZE_EXCEEDED` for
the 6,000 across embeds, `MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE`, `APPLICATION_COMMAND_
INVALID_NAME` and `APPLICATION_COMMAND_TOO_LARGE`. A message with nothing in it is 50006
"Cannot send an empty message" (topics/opcodes-and-status-codes, JSON error codes).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from tests.adapters.discord.standin.limits import DEVANAGARI, THAI, limit

Path = tuple[str | int, ...]
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 1, 2, 3, 4, 18
LINK_STYLE, PREMIUM_STYLE = 5, 6


class InvalidForm(Exception):
    """A refused body: `status` and Discord's JSON `body`."""

    def __init__(self, body: dict[str, Any], status: int = 400) -> None:
        super().__init__(body.get("message", "Invalid Form Body"))
        self.body = body
        self.status = status


class Form:
    """Collects the errors of one body into Discord's tree; `done()` raises if there are any."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def error(self, path: Path, code: str, message: str) -> None:
        """Record one error at `path`."""
        node = self.errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, value: Any, path: Path, name: str, *, trim: bool = False) -> None:
        """A string's (or array's) length against the limit `name`; absent or null is fine."""
        if value is None:
            return
        size = len(value.strip()) if trim and isinstance(value, str) else len(value)
        bound = limit(name)
        if bound.least <= size <= bound.most:
            return
        if bound.between:
            self.error(
                path,
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between {bound.least} and {bound.most} in length.",
            )
        elif size > bound.most:
            self.error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {bound.most} or fewer in length.")
        else:
            self.error(path, "BASE_TYPE_MIN_LENGTH", f"Must be {bound.least} or more in length.")

    def number(self, value: Any, path: Path, name: str) -> None:
        """An integer against the limit `name`."""
        if value is None:
            return
        bound = limit(name)
        if value > bound.most:
            message = f"int value should be less than or equal to {bound.most}."
            self.error(path, "NUMBER_TYPE_MAX", message)
        elif value < bound.least:
            message = f"int value should be greater than or equal to {bound.least}."
            self.error(path, "NUMBER_TYPE_MIN", message)

    def done(self) -> None:
        """Raise InvalidForm (400, 50035) if anything was wrong."""
        if self.errors:
            raise InvalidForm(
                {"code": 50035, "message": "Invalid Form Body", "errors": self.errors}
            )


# ---- messages ----------------------------------------------------------------------------


def check_message(body: dict[str, Any], files: int = 0, *, create: bool = True) -> None:
    """A message create or edit (channel message, interaction response data, follow-up)."""
    form = Form()
    message_fields(form, body, ())
    form.done()
    has = any(body.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))
    if create and not has and not files:
        raise InvalidForm({"code": 50006, "message": "Cannot send an empty message"})


def message_fields(form: Form, body: dict[str, Any], at: Path) -> None:
    """Every limit of a message body, its fields found under `at`."""
    form.length(body.get("content"), (*at, "content"), "content")
    nonce = body.get("nonce")
    form.length(nonce if isinstance(nonce, str) else None, (*at, "nonce"), "nonce")
    form.length(body.get("attachments"), (*at, "attachments"), "attachments")
    embeds = body.get("embeds") or []
    form.length(embeds, (*at, "embeds"), "embeds")
    total = 0
    for index, embed in enumerate(embeds):
        total += _embed(form, embed, (*at, "embeds", index))
    if total > limit("embeds.total").most:
        most = limit("embeds.total").most
        message = f"Embed size exceeds maximum size of {most}"
        form.error((*at, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", message)
    _allowed_mentions(form, body.get("allowed_mentions"), (*at, "allowed_mentions"))
    rows = body.get("components") or []
    form.length(rows, (*at, "components"), "components")
    for index, row in enumerate(rows):
        _message_row(form, row, (*at, "components", index))


def _embed(form: Form, embed: dict[str, Any], at: Path) -> int:
    """Check one embed; its characters toward the 6,000 (trimmed, as Discord counts them)."""
    texts: list[str] = []

    def text(value: Any, path: Path, name: str) -> None:
        if isinstance(value, str):
            form.length(value, path, name, trim=True)
            texts.append(value.strip())

    text(embed.get("title"), (*at, "title"), "embed.title")
    text(embed.get("description"), (*at, "description"), "embed.description")
    text((embed.get("footer") or {}).get("text"), (*at, "footer", "text"), "footer.text")
    text((embed.get("author") or {}).get("name"), (*at, "author", "name"), "author.name")
    fields = embed.get("fields") or []
    form.length(fields, (*at, "fields"), "embed.fields")
    for index, item in enumerate(fields):
        text(item.get("name"), (*at, "fields", index, "name"), "field.name")
        text(item.get("value"), (*at, "fields", index, "value"), "field.value")
    return sum(len(t) for t in texts)


def _allowed_mentions(form: Form, allowed: Any, at: Path) -> None:
    if not isinstance(allowed, dict):
        return
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        form.length(allowed.get(kind), (*at, kind), f"allowed_mentions.{kind}")
        if kind in parse and allowed.get(kind):
            form.error(
                at,
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def _message_row(form: Form, row: dict[str, Any], at: Path) -> None:
    items = row.get("components") or []
    form.length(items, (*at, "components"), "action_row.components")
    for index, item in enumerate(items):
        where = (*at, "components", index)
        kind = item.get("type")
        if kind == BUTTON:
            form.length(item.get("label"), (*where, "label"), "button.label")
            form.length(item.get("url"), (*where, "url"), "button.url")
            if item.get("style") not in (LINK_STYLE, PREMIUM_STYLE):
                form.length(item.get("custom_id") or "", (*where, "custom_id"), "custom_id")
        elif kind == STRING_SELECT:
            _select(form, item, where)


def _select(form: Form, item: dict[str, Any], at: Path) -> None:
    form.length(item.get("custom_id") or "", (*at, "custom_id"), "custom_id")
    form.length(item.get("placeholder"), (*at, "placeholder"), "select.placeholder")
    form.number(item.get("min_values"), (*at, "min_values"), "select.min_values")
    form.number(item.get("max_values"), (*at, "max_values"), "select.max_values")
    options = item.get("options") or []
    form.length(options, (*at, "options"), "select.options")
    for index, option in enumerate(options):
        where = (*at, "options", index)
        form.length(option.get("label") or "", (*where, "label"), "option.label")
        form.length(option.get("value") or "", (*where, "value"), "option.value")
        form.length(option.get("description"), (*where, "description"), "option.description")


# ---- interaction responses ---------------------------------------------------------------


def check_callback(body: dict[str, Any], files: int = 0) -> None:
    """POST /interactions/{id}/{token}/callback: a message (4), an update (7), a modal (9)."""
    kind = body.get("type")
    data = body.get("data") or {}
    form = Form()
    if kind in (4, 7):
        message_fields(form, data, ("data",))
    elif kind == 9:
        _modal(form, data, ("data",))
    form.done()
    has = any(data.get(k) for k in ("content", "embeds", "components", "poll"))
    if kind == 4 and not has and not files:
        raise InvalidForm({"code": 50006, "message": "Cannot send an empty message"})


def _modal(form: Form, data: dict[str, Any], at: Path) -> None:
    form.length(data.get("title") or "", (*at, "title"), "modal.title")
    form.length(data.get("custom_id") or "", (*at, "custom_id"), "custom_id")
    rows = data.get("components") or []
    form.length(rows, (*at, "components"), "modal.components")
    for index, row in enumerate(rows):
        where = (*at, "components", index)
        if row.get("type") == LABEL:
            form.length(row.get("label") or "", (*where, "label"), "label.label")
            form.length(row.get("description"), (*where, "description"), "label.description")
            inner = row.get("component") or {}
            if inner.get("type") == TEXT_INPUT:
                _text_input(form, inner, (*where, "component"), labelled=True)
            continue
        items = row.get("components") or []
        form.length(items, (*where, "components"), "modal_row.components")
        for position, item in enumerate(items):
            if item.get("type") == TEXT_INPUT:
                _text_input(form, item, (*where, "components", position), labelled=False)


def _text_input(form: Form, item: dict[str, Any], at: Path, *, labelled: bool) -> None:
    form.length(item.get("custom_id") or "", (*at, "custom_id"), "custom_id")
    if not labelled:  # in an action row the input carries its own label
        form.length(item.get("label") or "", (*at, "label"), "text_input.label")
    form.length(item.get("placeholder"), (*at, "placeholder"), "text_input.placeholder")
    form.length(item.get("value"), (*at, "value"), "text_input.value")
    form.number(item.get("min_length"), (*at, "min_length"), "text_input.min_length")
    form.number(item.get("max_length"), (*at, "max_length"), "text_input.max_length")


# ---- channels ----------------------------------------------------------------------------


def check_channel(body: dict[str, Any], *, create: bool) -> None:
    """Create Guild Channel (name required) or Modify Channel."""
    form = Form()
    if create or "name" in body:
        form.length(str(body.get("name") or ""), ("name",), "channel.name")
    form.length(body.get("topic"), ("topic",), "channel.topic")
    form.done()


# ---- application commands ------------------------------------------------------------------


def command_name_ok(name: str) -> bool:
    """`^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`, lowercase where a letter can be."""
    if not 1 <= len(name) <= limit("command.name").most:
        return False
    for char in name:
        category = unicodedata.category(char)
        allowed = (
            char in "-_'" or category[0] in "LN" or ord(char) in DEVANAGARI or ord(char) in THAI
        )
        if not allowed or char.lower() != char:
            return False
    return True


def check_commands(commands: list[dict[str, Any]]) -> None:
    """PUT …/commands: the whole list is refused when any command breaks a limit."""
    form = Form()
    for index, command in enumerate(commands):
        slash = command.get("type", 1) == 1
        _command(form, command, (index,), slash=slash)
        if slash and _size(command) > limit("command.size").most:
            most = limit("command.size").most
            message = f"Command exceeds maximum size ({most})"
            form.error((index,), "APPLICATION_COMMAND_TOO_LARGE", message)
    form.done()


def _command(form: Form, item: dict[str, Any], at: Path, *, slash: bool) -> None:
    name = str(item.get("name") or "")
    if slash and not command_name_ok(name):
        form.error((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not slash:
        form.length(name, (*at, "name"), "command.name")
    if slash:
        description = str(item.get("description") or "")
        form.length(description, (*at, "description"), "command.description")
    form.number(item.get("min_length"), (*at, "min_length"), "command.min_length")
    form.number(item.get("max_length"), (*at, "max_length"), "command.max_length")
    choices = item.get("choices") or []
    form.length(choices, (*at, "choices"), "command.choices")
    for index, choice in enumerate(choices):
        where = (*at, "choices", index)
        form.length(str(choice.get("name") or ""), (*where, "name"), "choice.name")
        if isinstance(choice.get("value"), str):
            form.length(choice["value"], (*where, "value"), "choice.value")
    options = item.get("options") or []
    form.length(options, (*at, "options"), "command.options")
    for index, option in enumerate(options):
        _command(form, option, (*at, "options", index), slash=slash)


def _size(item: dict[str, Any]) -> int:
    """Characters of name, description and choice names and values, options included."""
    size = len(str(item.get("name") or "")) + len(str(item.get("description") or ""))
    for choice in item.get("choices") or []:
        size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return size + sum(_size(option) for option in item.get("options") or [])
