"""People's names: cleaned where they enter, inert in plain text, escaped in Markdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markdown_it import MarkdownIt

from incidents.messages import Everyone, Mention, render_plain
from incidents.names import MAX_NAME, PersonName, clean_name, markdown_name, plain_name
from incidents.people import Person

MARIA = Person("slack:U0MARIA")
SAM = Person("discord:1300000000000000005")
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
# Names people could choose to make trouble with, and what each must never become.
HOSTILE = [
    "<@U0ADMIN>",
    "<!here>",
    "<!channel|x>",
    "@everyone",
    "here",
    "<@&123456789012345678>",
    "[click](https://evil.example)",
    "**Maria** _the_ `boss`",
    "# Heading",
    "- list",
    "1. ordered",
    "> quote",
    "a | b | c",
    "~~gone~~ $x^2$",
    "&amp; &lt;b&gt;",
    "<script>alert(1)</script>",
    "\\*escaped\\*",
]


def test_a_name_is_cleaned_where_it_enters() -> None:
    """Control, bidi and zero-width characters go; whitespace folds; emoji and scripts stay."""
    assert clean_name("  María\u202e  García\n\t👩\u200d💻 ") == "María García 👩\u200d💻"
    assert clean_name("\x1b[31mred\x07") == "[31mred"
    assert clean_name("Сергей") == "Сергей"
    assert clean_name("שרה") == "שרה"


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\u202e", "\u3164", None, 42])
def test_nothing_visible_is_no_name(raw: object) -> None:
    """Blank, invisible-only or non-text names are no name (the person reads as the id)."""
    assert clean_name(raw) is None


def test_a_long_name_is_cut_to_80_characters() -> None:
    """A name longer than MAX_NAME keeps its first 80 characters, never a dangling joiner."""
    assert clean_name("x" * 500) == "x" * MAX_NAME
    cut = clean_name("a" * 79 + "👩\u200d💻")
    assert cut is not None
    assert len(cut) <= MAX_NAME
    assert not cut.endswith("\u200d")


def test_plain_text_shows_the_name_else_the_id() -> None:
    """A known person reads by name (without `@`), an unknown one as `@id`, nobody as `empty`."""
    names = {MARIA: "María García"}
    assert plain_name(MARIA, names) == "María García"
    assert plain_name(SAM, names) == "@1300000000000000005"
    assert plain_name(None, names, empty="unassigned") == "unassigned"
    parts = ("IC ", Mention(MARIA), ", paging ", Mention(SAM), " ", Everyone())
    assert render_plain(parts, names) == "IC María García, paging @1300000000000000005 @here"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_name_never_makes_a_mention_in_plain_text(hostile: str) -> None:
    """No `@`, `<` or `>` of a name survives: nothing reads as a mention or a link on Slack,
    Discord or GitHub, and `here` stays a word (names get no `@` in front)."""
    shown = plain_name(MARIA, {MARIA: hostile})
    assert not {"@", "<", ">"} & set(shown)
    assert "@here" not in render_plain(("by ", Mention(MARIA)), {MARIA: "here"})


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_name_renders_in_markdown_as_the_text_it_is(hostile: str) -> None:
    """Rendered as Markdown, in a list item and in a sentence, a name makes no emphasis, code,
    link, heading, list, quote, table, HTML or entity: only a paragraph of its own text."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
    escaped = markdown_name(MARIA, {MARIA: hostile})
    inert = plain_name(MARIA, {MARIA: hostile})
    for document, wrap in (
        (f"- {escaped}\n", "<ul>\n<li>{}</li>\n</ul>\n"),
        (escaped, "<p>{}</p>\n"),
    ):
        html = md.render(document)
        expected = (
            inert.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        ).replace(">", "&gt;")
        assert html == wrap.format(expected), (hostile, document, html)


def test_markdown_leaves_handles_and_plain_names_as_they_are() -> None:
    """Ordinary names need no escapes; a person with no name reads as before (`@U0MARIA`)."""
    assert markdown_name(MARIA, {MARIA: "María García"}) == "María García"
    assert markdown_name(MARIA, {}) == "@U0MARIA"
    assert markdown_name(None, {}, empty="no owner") == "no owner"


def test_a_name_goes_stale_after_a_day() -> None:
    """A name heard a day ago is stale: the platform is asked again."""
    kept = PersonName(person=MARIA, name="maria", refreshed_at=T0)
    assert not kept.stale(T0 + timedelta(hours=23))
    assert kept.stale(T0 + timedelta(days=1))
