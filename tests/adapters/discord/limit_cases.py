"""One request per limit of `standin/limits.py`, built at a given size, and where Discord
reports a breach: the tests send it at the limit (accepted) and one past it (refused)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Body = Any
MESSAGE, MODAL, CHANNEL, TOPIC, COMMANDS = "message", "modal", "channel", "topic", "commands"
TOO_LONG, TOO_BIG = "BASE_TYPE_MAX_LENGTH", "NUMBER_TYPE_MAX"
#: The status form's text-input label as on main before issue 16: 48 characters.
OLD_STATUS_LABEL = "What do we know, what are we doing, next update?"


@dataclass(frozen=True)
class Case:
    """`build(size)` is a body of `kind` whose limited field has `size` characters (items, or
    the value); a breach is reported at `path` with `code`."""

    limit: str
    kind: str
    build: Callable[[int], Body]
    path: tuple[str, ...]
    code: str = TOO_LONG


def embed(**fields: Any) -> dict[str, Any]:
    """A message with one embed."""
    return {"embeds": [{"title": "t"} | fields]}


def row(*items: dict[str, Any]) -> dict[str, Any]:
    """An action row."""
    return {"type": 1, "components": list(items)}


def button(n: int = 0, **fields: Any) -> dict[str, Any]:
    """A primary button."""
    return {"type": 2, "style": 1, "label": "Go", "custom_id": f"b{n}"} | fields


def select(**fields: Any) -> dict[str, Any]:
    """A message with one string select."""
    options = [{"label": "SEV-1", "value": "sev1"}]
    item = {"type": 3, "custom_id": "pick", "options": options} | fields
    return {"content": "Pick", "components": [row(item)]}


def option(**fields: Any) -> dict[str, Any]:
    """A message with a select whose one option has these fields."""
    return select(options=[{"label": "SEV-1", "value": "sev1"} | fields])


def text_input(**fields: Any) -> dict[str, Any]:
    """A status form whose one text input has these fields."""
    item = {"type": 4, "custom_id": "text", "style": 2, "label": "Status"} | fields
    return modal(components=[row(item)])


def modal(**fields: Any) -> dict[str, Any]:
    """A modal (interaction response data)."""
    item = {"type": 4, "custom_id": "text", "style": 2, "label": "Status"}
    return (
        {"title": "Status update", "custom_id": "sevbot:status:1"}
        | {"components": [row(item)]}
        | fields
    )


def labelled(**fields: Any) -> dict[str, Any]:
    """A modal whose text input sits in a Label component with these fields."""
    item = {"type": 4, "custom_id": "text", "style": 2}
    return modal(components=[{"type": 18, "label": "Status", "component": item} | fields])


def command(**fields: Any) -> list[dict[str, Any]]:
    """A bulk overwrite with one slash command."""
    return [{"type": 1, "name": "incident", "description": "Run incidents"} | fields]


def command_option(**fields: Any) -> list[dict[str, Any]]:
    """A bulk overwrite whose command has one string option with these fields."""
    item = {"type": 3, "name": "text", "description": "The text"} | fields
    return command(options=[item])


def choices(size: int) -> list[dict[str, Any]]:
    """`size` choices."""
    return [{"name": f"c{n}", "value": f"v{n}"} for n in range(size)]


def sized_command(size: int) -> list[dict[str, Any]]:
    """A command whose names, descriptions and choices add up to exactly `size` characters
    (for sizes in the thousands: whole options of 25 choices, then a partial one)."""
    options: list[dict[str, Any]] = []
    rest = size - 100  # the command's own name and description, below
    while rest > 1:
        rest -= 100  # each option's name (3) and description (97)
        picks = []
        while rest > 1 and len(picks) < 25:
            name = min(100, rest - 1)
            value = min(100, rest - name)
            picks.append({"name": "n" * name, "value": "v" * value})
            rest -= name + value
        options.append(
            {"type": 3, "name": f"o{len(options):02d}", "description": "d" * 97, "choices": picks}
        )
    assert rest in (0, 1), rest
    return [{"type": 1, "name": "incident", "description": "d" * (92 + rest), "options": options}]


CASES: list[Case] = [
    Case("content", MESSAGE, lambda n: {"content": "x" * n}, ("content",)),
    Case("nonce", MESSAGE, lambda n: {"content": "x", "nonce": "n" * n}, ("nonce",)),
    Case("embeds", MESSAGE, lambda n: {"embeds": [{"title": "t"}] * n}, ("embeds",)),
    Case(
        "attachments",
        MESSAGE,
        lambda n: {"content": "x", "attachments": [{"id": i} for i in range(n)]},
        ("attachments",),
    ),
    Case("embed.title", MESSAGE, lambda n: embed(title="t" * n), ("embeds", "0", "title")),
    Case(
        "embed.description",
        MESSAGE,
        lambda n: embed(description="d" * n),
        ("embeds", "0", "description"),
    ),
    Case(
        "embed.fields",
        MESSAGE,
        lambda n: embed(fields=[{"name": "n", "value": "v"}] * n),
        ("embeds", "0", "fields"),
    ),
    Case(
        "field.name",
        MESSAGE,
        lambda n: embed(fields=[{"name": "n" * n, "value": "v"}]),
        ("embeds", "0", "fields", "0", "name"),
    ),
    Case(
        "field.value",
        MESSAGE,
        lambda n: embed(fields=[{"name": "n", "value": "v" * n}]),
        ("embeds", "0", "fields", "0", "value"),
    ),
    Case(
        "footer.text",
        MESSAGE,
        lambda n: embed(footer={"text": "f" * n}),
        ("embeds", "0", "footer", "text"),
    ),
    Case(
        "author.name",
        MESSAGE,
        lambda n: embed(author={"name": "a" * n}),
        ("embeds", "0", "author", "name"),
    ),
    Case(
        "embeds.total",
        MESSAGE,
        lambda n: {
            "embeds": [{"description": "d" * (n // 2)}, {"description": "e" * (n - n // 2)}]
        },
        ("embeds",),
        "MAX_EMBED_SIZE_EXCEEDED",
    ),
    Case(
        "allowed_mentions.users",
        MESSAGE,
        lambda n: {"content": "x", "allowed_mentions": {"users": [str(i) for i in range(n)]}},
        ("allowed_mentions", "users"),
    ),
    Case(
        "allowed_mentions.roles",
        MESSAGE,
        lambda n: {"content": "x", "allowed_mentions": {"roles": [str(i) for i in range(n)]}},
        ("allowed_mentions", "roles"),
    ),
    Case(
        "components",
        MESSAGE,
        lambda n: {"content": "x", "components": [row(button(i)) for i in range(n)]},
        ("components",),
    ),
    Case(
        "action_row.components",
        MESSAGE,
        lambda n: {"content": "x", "components": [row(*(button(i) for i in range(n)))]},
        ("components", "0", "components"),
    ),
    Case(
        "custom_id",
        MESSAGE,
        lambda n: {"content": "x", "components": [row(button(custom_id="c" * n))]},
        ("components", "0", "components", "0", "custom_id"),
    ),
    Case(
        "button.label",
        MESSAGE,
        lambda n: {"content": "x", "components": [row(button(label="l" * n))]},
        ("components", "0", "components", "0", "label"),
    ),
    Case(
        "button.url",
        MESSAGE,
        lambda n: {
            "content": "x",
            "components": [row({"type": 2, "style": 5, "label": "Open", "url": "u" * n})],
        },
        ("components", "0", "components", "0", "url"),
    ),
    Case(
        "select.options",
        MESSAGE,
        lambda n: select(options=[{"label": f"o{i}", "value": f"v{i}"} for i in range(n)]),
        ("components", "0", "components", "0", "options"),
    ),
    Case(
        "select.placeholder",
        MESSAGE,
        lambda n: select(placeholder="p" * n),
        ("components", "0", "components", "0", "placeholder"),
    ),
    Case(
        "select.min_values",
        MESSAGE,
        lambda n: select(min_values=n),
        ("components", "0", "components", "0", "min_values"),
        TOO_BIG,
    ),
    Case(
        "select.max_values",
        MESSAGE,
        lambda n: select(max_values=n),
        ("components", "0", "components", "0", "max_values"),
        TOO_BIG,
    ),
    Case(
        "option.label",
        MESSAGE,
        lambda n: option(label="l" * n),
        ("components", "0", "components", "0", "options", "0", "label"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Case(
        "option.value",
        MESSAGE,
        lambda n: option(value="v" * n),
        ("components", "0", "components", "0", "options", "0", "value"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Case(
        "option.description",
        MESSAGE,
        lambda n: option(description="d" * n),
        ("components", "0", "components", "0", "options", "0", "description"),
    ),
    Case("modal.title", MODAL, lambda n: modal(title="t" * n), ("title",)),
    Case(
        "modal.components",
        MODAL,
        lambda n: modal(
            components=[
                row({"type": 4, "custom_id": f"t{i}", "style": 1, "label": "L"}) for i in range(n)
            ]
        ),
        ("components",),
    ),
    Case(
        "modal_row.components",
        MODAL,
        lambda n: modal(
            components=[
                row(
                    *({"type": 4, "custom_id": f"t{i}", "style": 1, "label": "L"} for i in range(n))
                )
            ]
        ),
        ("components", "0", "components"),
    ),
    Case(
        "text_input.label",
        MODAL,
        lambda n: text_input(label=(OLD_STATUS_LABEL + "x" * n)[:n]),
        ("components", "0", "components", "0", "label"),
    ),
    Case(
        "text_input.placeholder",
        MODAL,
        lambda n: text_input(placeholder="p" * n),
        ("components", "0", "components", "0", "placeholder"),
    ),
    Case(
        "text_input.value",
        MODAL,
        lambda n: text_input(value="v" * n),
        ("components", "0", "components", "0", "value"),
    ),
    Case(
        "text_input.min_length",
        MODAL,
        lambda n: text_input(min_length=n),
        ("components", "0", "components", "0", "min_length"),
        TOO_BIG,
    ),
    Case(
        "text_input.max_length",
        MODAL,
        lambda n: text_input(max_length=n),
        ("components", "0", "components", "0", "max_length"),
        TOO_BIG,
    ),
    Case("label.label", MODAL, lambda n: labelled(label="l" * n), ("components", "0", "label")),
    Case(
        "label.description",
        MODAL,
        lambda n: labelled(description="d" * n),
        ("components", "0", "description"),
    ),
    Case(
        "channel.name",
        CHANNEL,
        lambda n: {"name": "c" * n, "type": 0},
        ("name",),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Case("channel.topic", TOPIC, lambda n: {"topic": "t" * n}, ("topic",)),
    Case(
        "command.name",
        COMMANDS,
        lambda n: command(name="i" * n),
        ("0", "name"),
        "APPLICATION_COMMAND_INVALID_NAME",
    ),
    Case(
        "command.description",
        COMMANDS,
        lambda n: command(description="d" * n),
        ("0", "description"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Case(
        "command.options",
        COMMANDS,
        lambda n: command(
            options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(n)]
        ),
        ("0", "options"),
    ),
    Case(
        "command.choices",
        COMMANDS,
        lambda n: command_option(choices=choices(n)),
        ("0", "options", "0", "choices"),
    ),
    Case(
        "choice.name",
        COMMANDS,
        lambda n: command_option(choices=[{"name": "n" * n, "value": "v"}]),
        ("0", "options", "0", "choices", "0", "name"),
        "BASE_TYPE_BAD_LENGTH",
    ),
    Case(
        "choice.value",
        COMMANDS,
        lambda n: command_option(choices=[{"name": "n", "value": "v" * n}]),
        ("0", "options", "0", "choices", "0", "value"),
    ),
    Case(
        "command.min_length",
        COMMANDS,
        lambda n: command_option(min_length=n),
        ("0", "options", "0", "min_length"),
        TOO_BIG,
    ),
    Case(
        "command.max_length",
        COMMANDS,
        lambda n: command_option(max_length=n),
        ("0", "options", "0", "max_length"),
        TOO_BIG,
    ),
    Case("command.size", COMMANDS, sized_command, ("0",), "APPLICATION_COMMAND_TOO_LARGE"),
]
