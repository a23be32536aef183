"""Discord's published limits on what a bot sends, in one table, each with where it is written.

`docs` is the developer documentation page (source: github.com/discord/discord-api-docs);
`spec` the schema property in Discord's OpenAPI description (github.com/discord/discord-api-spec,
`specs/openapi.json`) when it states the same bound. Where the two differ the documentation for
bots wins, and the note says why: the spec allows `content` 4,000 (a Nitro user's limit; bots
and webhooks get 2,000, as `IncomingWebhookRequestPartial.content` says), `topic` 4,096 (forum
and media channels only) and 40 message components (components v2 only).

Lengths are counted in code points, as Discord counts them ("Our API uses Python 3, so the API
calculates length based on the number of codepoints", github.com/discord/discord-api-docs
issues/1315); embed texts are counted without leading and trailing whitespace (resources/message
"Embed Limits"). `forms.py` applies the table and answers as Discord does (reference
"Error Messages"): HTTP 400, code 50035 "Invalid Form Body", `errors` keyed by the field path.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://discord.com/developers/docs"
MESSAGE = f"{DOCS}/resources/message"
COMPONENTS = f"{DOCS}/components/reference"
RESPONDING = f"{DOCS}/interactions/receiving-and-responding"
CHANNEL = f"{DOCS}/resources/channel"
GUILD = f"{DOCS}/resources/guild"
COMMANDS = f"{DOCS}/interactions/application-commands"
SPEC = "https://github.com/discord/discord-api-spec/blob/main/specs/openapi.json"


@dataclass(frozen=True, slots=True)
class Limit:
    """At least `least` and at most `most` characters (`items` for arrays, the value for
    numbers). `between`: Discord words a breach "Must be between a and b in length."."""

    most: int
    least: int = 0
    docs: str = ""
    spec: str = ""
    between: bool = False


LIMITS: dict[str, Limit] = {
    # ---- messages: create, edit, interaction responses, follow-ups -----------------------
    "content": Limit(
        2000,
        docs=f"{MESSAGE}#create-message-json/form-params",
        spec="IncomingWebhookRequestPartial.content",
    ),
    "nonce": Limit(
        25, docs=f"{MESSAGE}#create-message-json/form-params", spec="MessageCreateRequest.nonce"
    ),
    "embeds": Limit(
        10, docs=f"{MESSAGE}#create-message-json/form-params", spec="MessageCreateRequest.embeds"
    ),
    "attachments": Limit(
        10,
        docs=f"{MESSAGE}#create-message-json/form-params",
        spec="MessageCreateRequest.attachments",
    ),
    "embed.title": Limit(256, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbed.title"),
    "embed.description": Limit(
        4096, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbed.description"
    ),
    "embed.fields": Limit(25, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbed.fields"),
    "field.name": Limit(
        256, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbedField.name"
    ),
    "field.value": Limit(
        1024, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbedField.value"
    ),
    "footer.text": Limit(
        2048, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbedFooter.text"
    ),
    "author.name": Limit(
        256, docs=f"{MESSAGE}#embed-object-embed-limits", spec="RichEmbedAuthor.name"
    ),
    # title + description + field names and values + footer + author, across all embeds
    "embeds.total": Limit(6000, docs=f"{MESSAGE}#embed-object-embed-limits"),
    "allowed_mentions.users": Limit(100, docs=f"{MESSAGE}#allowed-mentions-object"),
    "allowed_mentions.roles": Limit(100, docs=f"{MESSAGE}#allowed-mentions-object"),
    # ---- message components (legacy: action rows at the top) ------------------------------
    "components": Limit(5, docs=f"{COMPONENTS}#legacy-message-component-behavior"),
    "action_row.components": Limit(
        5,
        1,
        docs=f"{COMPONENTS}#action-row-action-row-structure",
        spec="ActionRowComponentForMessageRequest.components",
    ),
    "custom_id": Limit(
        100,
        1,
        docs=f"{COMPONENTS}#anatomy-of-a-component",
        spec="ButtonComponentForMessageRequest.custom_id",
    ),
    "button.label": Limit(
        80,
        docs=f"{COMPONENTS}#button-button-structure",
        spec="ButtonComponentForMessageRequest.label",
    ),
    "button.url": Limit(
        512,
        docs=f"{COMPONENTS}#button-button-structure",
        spec="ButtonComponentForMessageRequest.url",
    ),
    "select.options": Limit(
        25,
        1,
        docs=f"{COMPONENTS}#string-select-string-select-structure",
        spec="StringSelectComponentForMessageRequest.options",
    ),
    "select.placeholder": Limit(
        150,
        docs=f"{COMPONENTS}#string-select-string-select-structure",
        spec="StringSelectComponentForMessageRequest.placeholder",
    ),
    "select.min_values": Limit(
        25,
        0,
        docs=f"{COMPONENTS}#string-select-string-select-structure",
        spec="StringSelectComponentForMessageRequest.min_values",
    ),
    "select.max_values": Limit(
        25,
        1,
        docs=f"{COMPONENTS}#string-select-string-select-structure",
        spec="StringSelectComponentForMessageRequest.max_values",
    ),
    "option.label": Limit(
        100,
        1,
        docs=f"{COMPONENTS}#string-select-select-option-structure",
        spec="StringSelectOptionForRequest.label",
        between=True,
    ),
    "option.value": Limit(
        100,
        1,
        docs=f"{COMPONENTS}#string-select-select-option-structure",
        spec="StringSelectOptionForRequest.value",
        between=True,
    ),
    "option.description": Limit(
        100,
        docs=f"{COMPONENTS}#string-select-select-option-structure",
        spec="StringSelectOptionForRequest.description",
    ),
    # ---- modals (interaction response type 9) ----------------------------------------------
    "modal.title": Limit(
        45,
        1,
        docs=f"{RESPONDING}#interaction-response-object-modal",
        spec="ModalInteractionCallbackRequestData.title",
    ),
    "modal.components": Limit(5, 1, docs=f"{RESPONDING}#interaction-response-object-modal"),
    "modal_row.components": Limit(
        5, 1, docs=f"{COMPONENTS}#action-row", spec="ActionRowComponentForModalRequest.components"
    ),
    "text_input.label": Limit(
        45,
        1,
        docs=f"{COMPONENTS}#label-label-structure",
        spec="TextInputComponentForModalRequest.label",
    ),
    "text_input.placeholder": Limit(
        100,
        docs=f"{COMPONENTS}#text-input-text-input-structure",
        spec="TextInputComponentForModalRequest.placeholder",
    ),
    "text_input.value": Limit(
        4000,
        docs=f"{COMPONENTS}#text-input-text-input-structure",
        spec="TextInputComponentForModalRequest.value",
    ),
    "text_input.min_length": Limit(
        4000,
        0,
        docs=f"{COMPONENTS}#text-input-text-input-structure",
        spec="TextInputComponentForModalRequest.min_length",
    ),
    "text_input.max_length": Limit(
        4000,
        1,
        docs=f"{COMPONENTS}#text-input-text-input-structure",
        spec="TextInputComponentForModalRequest.max_length",
    ),
    "label.label": Limit(
        45,
        1,
        docs=f"{COMPONENTS}#label-label-structure",
        spec="LabelComponentForModalRequest.label",
    ),
    "label.description": Limit(
        100,
        docs=f"{COMPONENTS}#label-label-structure",
        spec="LabelComponentForModalRequest.description",
    ),
    # ---- channels: create and edit -----------------------------------------------------------
    "channel.name": Limit(
        100,
        1,
        docs=f"{GUILD}#create-guild-channel-json-params",
        spec="CreateGuildChannelRequest.name",
        between=True,
    ),
    "channel.topic": Limit(1024, docs=f"{CHANNEL}#modify-channel-json-params-guild-channel"),
    # ---- application commands (bulk overwrite) -----------------------------------------------
    "command.name": Limit(
        32,
        1,
        docs=f"{COMMANDS}#application-command-object-application-command-naming",
        spec="ApplicationCommandUpdateRequest.name",
    ),
    "command.description": Limit(
        100,
        1,
        docs=f"{COMMANDS}#application-command-object-application-command-structure",
        spec="ApplicationCommandSubcommandOption.description",
        between=True,
    ),
    "command.options": Limit(
        25,
        docs=f"{COMMANDS}#application-command-object-application-command-option-structure",
        spec="ApplicationCommandUpdateRequest.options",
    ),
    "command.choices": Limit(
        25,
        docs=f"{COMMANDS}#application-command-object-application-command-option-structure",
        spec="ApplicationCommandStringOption.choices",
    ),
    "choice.name": Limit(
        100,
        1,
        docs=f"{COMMANDS}#application-command-object-application-command-option-choice-structure",
        spec="ApplicationCommandOptionStringChoice.name",
        between=True,
    ),
    "choice.value": Limit(
        100,
        docs=f"{COMMANDS}#application-command-object-application-command-option-choice-structure",
    ),
    "command.min_length": Limit(
        6000,
        0,
        docs=f"{COMMANDS}#application-command-object-application-command-option-structure",
        spec="ApplicationCommandStringOption.min_length",
    ),
    "command.max_length": Limit(
        6000,
        1,
        docs=f"{COMMANDS}#application-command-object-application-command-option-structure",
        spec="ApplicationCommandStringOption.max_length",
    ),
    # name + description + choice names and values of a command and all its options
    "command.size": Limit(8000, docs=f"{COMMANDS}#slash-commands"),
}

#: `CHAT_INPUT` command and option names: `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$`,
#: lowercase where a letter has a lowercase form (application-commands, "Application Command
#: Naming"). Python's `re` has no `\p{…}`: `forms.command_name_ok` checks it character by
#: character with `unicodedata`.
COMMAND_NAME_DOCS = f"{COMMANDS}#application-command-object-application-command-naming"
DEVANAGARI = range(0x0900, 0x0980)
THAI = range(0x0E00, 0x0E80)


def limit(name: str) -> Limit:
    """The limit called `name` (a KeyError names a limit the table lacks)."""
    return LIMITS[name]
