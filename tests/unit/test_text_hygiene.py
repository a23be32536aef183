"""Text hygiene in the core: what control, bidi and zero-width characters become, and who is
not a person (`@here`, `@everyone`, user groups and roles)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents import commands as c
from incidents.errors import InvalidCommand
from incidents.model import Role
from incidents.parser import Parsed, ParseError, parse, parse_user
from incidents.text import has_visible, strip_invisible

from .helpers import SAM, T0, declare, minutes, opened
from .test_handlers import run

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"
CONTROLS = "\x00\x07\x1b\x7f\x85\x9b"  # NUL, BEL, ESC, DEL and C1 (NEL, CSI)
INVISIBLE = BIDI + ZERO_WIDTH + CONTROLS
RLO = "\u202e"
ZWSP = "\u200b"
ZWJ = "\u200d"
ZWNJ = "\u200c"
# Format characters that draw a sign (Prepended_Concatenation_Mark): kept.
SIGNS = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"


# The characters


@pytest.mark.parametrize("ch", list(INVISIBLE))
def test_each_control_bidi_and_zero_width_character_is_removed(ch: str) -> None:
    """Every bidi override, embedding, isolate and mark, zero-width and control character goes."""
    assert strip_invisible(f"DB{ch}down") == "DBdown"
    assert strip_invisible(f"DB {ch}down") == "DB down"


def test_newlines_and_tabs_stay() -> None:
    """A note keeps its lines and tabs; only the other control characters go."""
    assert strip_invisible("one\n\ttwo\r\x1b[31mred") == "one\n\ttwo[31mred"


@pytest.mark.parametrize(
    "text",
    [
        "Сбой оплаты",
        "支付失败",
        "決済が失敗しています",
        "결제 실패",
        "فشل الدفع",
        "תקלה בתשלום",
        "भुगतान विफल",
        "ការទូទាត់បរាជ័យ",
        "Café crème, naïve façade",
        "e\u0301 (a combining accent)",
        "🔥 DB down 🚒 🇩🇪 👍🏽 1️⃣",
        "👩\u200d💻 on-call laptop, 👩🏽\u200d💻, 🏳️\u200d🌈, ❤️\u200d🔥, 👨\u200d👩\u200d👧",
        "می\u200cخواهم",  # Persian: the ZWNJ is spelling
        "क्\u200dष",  # Devanagari: a ZWJ after a virama
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland",
        "\u0600\u0661\u0662 Arabic number sign",
    ],
)
def test_letters_of_every_script_and_emoji_stay(text: str) -> None:
    """Scripts, accents, emoji, skin tones, flags and keycaps are left exactly as typed."""
    assert strip_invisible(text) == text
    assert has_visible(text)


def test_title_keeps_zwj_inside_emoji_sequences_but_drops_stray_joiners() -> None:
    """A joiner stays between two visible non-ASCII characters (👩‍💻 stays one emoji) and goes
    anywhere else: between ASCII letters, at either end, beside a space or another invisible."""
    assert strip_invisible(f"👩{ZWJ}💻") == f"👩{ZWJ}💻"
    assert strip_invisible(f"DB{ZWJ}down{ZWNJ}now") == "DBdownnow"
    assert strip_invisible(f"{ZWJ}👩 💻{ZWJ}") == "👩 💻"
    assert strip_invisible(f"👩 {ZWJ}💻 👩{ZWJ} 💻") == "👩 💻 👩 💻"
    assert strip_invisible(f"👩{ZWJ}{ZWJ}{ZWSP}💻") == "👩💻"
    assert strip_invisible(f"{ZWJ}{ZWNJ}{ZWJ}") == ""


def test_identities_keep_no_joiner_even_inside_an_emoji() -> None:
    """With `keep_joiners=False` (names and handles) every joiner goes: an id has one spelling."""
    assert strip_invisible(f"👩{ZWJ}💻", keep_joiners=False) == "👩💻"
    assert strip_invisible(f"می{ZWNJ}خواهم", keep_joiners=False) == "میخواهم"


def test_tag_characters_only_stay_inside_a_flag() -> None:
    """Tags name a flag after 🏴; anywhere else they are invisible text and are removed."""
    smuggled = "DB down" + "".join(chr(0xE0000 + ord(ch)) for ch in "ignore this")
    assert strip_invisible(smuggled) == "DB down"


def test_a_lone_surrogate_is_removed() -> None:
    """Half a UTF-16 pair (from a bad decode) cannot be sent anywhere; it goes."""
    assert strip_invisible("DB \ud83d down") == "DB  down"


@pytest.mark.parametrize(
    "text",
    ["", " \t\n", ZWSP, BIDI, ZERO_WIDTH, f"{ZWJ}{ZWNJ}", "\u3164", "\u2800", "\u0301", "\u3000"],
)
def test_text_of_only_invisible_characters_shows_nothing(text: str) -> None:
    """Spaces, bidi and zero-width characters, Hangul fillers, a blank braille cell, a lone
    combining accent: none of them shows on its own."""
    assert not has_visible(text)


def test_an_emoji_newer_than_pythons_unicode_tables_is_visible() -> None:
    """A code point Python does not know yet (🫨, Unicode 15) may be an emoji: it counts."""
    shaking_face = "\U0001fae8"
    assert unicodedata.category(shaking_face) in ("Cn", "So")
    assert has_visible(shaking_face)
    assert strip_invisible(shaking_face) == shaking_face


@settings(max_examples=300)
@given(st.text())
def test_stripping_is_idempotent_and_leaves_no_invisible_format_character(text: str) -> None:
    """Stripped text strips to itself, keeps what shows, and holds no control character (but
    newline and tab), no surrogate, and no format character outside a joiner, tag or sign."""
    stripped = strip_invisible(text)
    assert strip_invisible(stripped) == stripped
    assert has_visible(stripped) == has_visible(text)
    for ch in stripped:
        category = unicodedata.category(ch)
        assert category not in ("Cc", "Cs") or ch in "\n\t"
        assert ch not in BIDI + ZERO_WIDTH
        if category == "Cf":
            assert ch in (ZWJ, ZWNJ) or 0xE0020 <= ord(ch) < 0xE0080 or ch in SIGNS


# Titles, updates, notes and action items


def test_a_bidi_override_in_the_middle_of_a_title_is_removed() -> None:
    """`Checkout ‮gniliaf` does not show reversed anywhere: title, timeline, announcement."""
    decision = declare(title=f"Checkout {RLO}failing{ZWSP}\u2069")
    assert decision.incident.title == "Checkout failing"
    assert decision.incident.timeline[0].text == "Declared SEV-1: Checkout failing"
    for message in decision.messages:
        assert not set(INVISIBLE) & set(message.title or "")
        assert not set(INVISIBLE) & set(message.plain_text())


@pytest.mark.parametrize(
    "title", [ZWSP, ZWSP * 5, BIDI, f" {ZWSP} \ufeff \u2060 ", f"{RLO}{ZWJ}", "\u3164"]
)
def test_a_title_with_nothing_visible_is_refused(title: str) -> None:
    """A title of only zero-width, bidi or blank characters gets the polite title error."""
    with pytest.raises(InvalidCommand, match=r"An incident needs a title, e\.g\. `/incident open"):
        declare(title=title)


def test_updates_notes_and_action_items_lose_bidi_and_zero_width_characters() -> None:
    """Status updates, notes, action items and summaries are stored and shown as they read."""
    incident = opened()
    status = run(incident, c.PostStatusUpdate(text=f"Rolled {RLO}back{ZWSP}"), T0 + minutes(1))
    note = run(status.incident, c.AddNote(text="\u2066Paused\u2069 the batch"), T0 + minutes(2))
    action = run(
        note.incident, c.AddActionItem(text=f"Alert{ZWSP} on 502s\x1b", owner=SAM), T0 + minutes(3)
    )
    resolved = run(action.incident, c.Resolve(summary=f"{RLO}Fixed"), T0 + minutes(4))
    incident = resolved.incident
    assert [u.text for u in incident.status_updates] == ["Rolled back"]
    assert incident.action_items[0].text == "Alert on 502s"
    texts = [entry.text for entry in incident.timeline]
    assert "Paused the batch" in texts
    assert not any(set(INVISIBLE) & set(text) for text in texts)


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (c.AddNote(text=ZWSP), "A note needs some text"),
        (c.PostStatusUpdate(text=BIDI), "A status update needs some text"),
        (c.AddActionItem(text=f"{ZWSP}{RLO}"), "An action item needs some text"),
    ],
)
def test_text_with_nothing_visible_is_refused(command: c.Command, what: str) -> None:
    """A note, update or action item of only invisible characters is refused like empty text."""
    with pytest.raises(InvalidCommand, match=what):
        run(opened(), command, T0 + minutes(1))


# Who is a person


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("ic @here", "`@here` is not a person; name one person, like @sam: `/incident ic @sam`."),
        ("ic @everyone", "`@everyone` is not a person; name one person"),
        ("ic @channel", "`@channel` is not a person; name one person"),
        ("ic 3 @Everyone", "`@Everyone` is not a person"),
        ("commander @HERE", "`@HERE` is not a person"),
        ("role comms @here", "`@here` is not a person; name one person, like @sam: `/incident"),
        ("role #4 responder @channel", "`@channel` is not a person"),
        ("ic @he\u200bre", "`@here` is not a person"),
        (f"ic @{RLO}everyone", "`@everyone` is not a person"),
        ("ic @slack:here", "`@here` is not a person"),
        ("ic @slack-group:S0SRE", "`@slack-group:S0SRE` is a group, not a person; name one"),
        ("role comms @discord-role:123", "`@discord-role:123` is a group, not a person"),
        ("action Tell the team @here", "`@here` is not a person; an action item's owner is one"),
        ("action 4 Page them @everyone", "`@everyone` is not a person"),
        ("action Ask the SREs @slack-group:S0SRE", "is a group, not a person"),
    ],
)
def test_broadcasts_and_groups_are_not_people(text: str, refusal: str) -> None:
    """`@here`, `@channel`, `@everyone` and groups are refused wherever one person is meant,
    even spelled with zero-width or bidi characters inside."""
    result = parse(text, "slack")
    assert isinstance(result, ParseError), result
    assert refusal in result.message


@pytest.mark.parametrize("token", ["@here", "@everyone", "@slack-group:S0SRE", "@discord-role:1"])
def test_parse_user_reads_no_person_in_a_broadcast_or_a_group(token: str) -> None:
    """`parse_user` (also used by `/oncall`) finds nobody in a broadcast word or a group."""
    assert parse_user(token, "slack") is None


@pytest.mark.parametrize("text", ["ic <!channel>", "ic <@&123>", "ic <!subteam^S0SRE|@sre>"])
def test_platform_markup_sent_as_plain_text_is_no_person_either(text: str) -> None:
    """Through the API or the console, Slack or Discord markup names nobody: refused."""
    result = parse(text, "console")
    assert isinstance(result, ParseError)
    assert "Mention one person" in result.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("action Tell everyone", c.AddActionItem(text="Tell everyone")),
        ("action Page @here in #ops @sam", c.AddActionItem(text="Page @here in #ops", owner=SAM)),
        ("note @here the DB is back", c.AddNote(text="@here the DB is back")),
        ("status @channel we are on it", c.PostStatusUpdate(text="@channel we are on it")),
    ],
)
def test_broadcast_words_in_free_text_are_just_text(text: str, expected: c.Request) -> None:
    """Only the owner slot is a person: the words elsewhere are text (rendered inert later)."""
    result = parse(text, "console")
    assert isinstance(result, Parsed), result
    assert result.request == expected


@pytest.mark.parametrize(
    "token", [f"@sa{RLO}m", f"@{ZWSP}sam", f"@sam{ZWSP}", "@s\u2066a\u2069m", "@sam\ufeff"]
)
def test_a_name_with_bidi_or_zero_width_characters_is_the_name_it_shows(token: str) -> None:
    """`@sa‮m` reads as `@sam`: the invisible characters go, so the handle is who it is."""
    result = parse(f"ic {token}", "console")
    assert isinstance(result, Parsed), result
    assert result.request == c.AssignRole(role=Role.INCIDENT_COMMANDER, user=SAM)


def test_a_title_of_only_zero_width_characters_is_refused_by_the_parser() -> None:
    """`/incident open sev1 ​` is refused before anything runs (Slack acks nothing)."""
    for title in (ZWSP, f"{ZWSP} {RLO} \ufeff"):
        result = parse(f"open sev1 {title}")
        assert isinstance(result, ParseError)
        assert result.message == "An incident needs a title, e.g. `/incident open sev1 DB down`."
