"""The people directory: one person, several identities, by identity or by name."""

from __future__ import annotations

import pytest

from incidents import commands as c
from incidents.directory import DirectoryError, PeopleDirectory, PersonEntry
from incidents.model import Role
from incidents.people import Person

ANA_SLACK = Person("slack:U01ANA")
ANA_DISCORD = Person("discord:234567890123456789")
ANA_EMAIL = Person("ana@example.com")
ANA = PersonEntry(name="Ana Lima", identities=(ANA_SLACK, ANA_DISCORD, ANA_EMAIL))
BO = PersonEntry(
    name="Bo", identities=(Person("discord:345678901234567890"), Person("bo@example.com"))
)
PEOPLE = PeopleDirectory([ANA, BO])


def test_any_identity_or_the_name_is_the_same_person() -> None:
    """Each identity, and the name in any case, finds Ana; her canonical identity is the first."""
    for who in (str(ANA_SLACK), str(ANA_DISCORD), "ana@example.com", "ana lima", " Ana  Lima"):
        entry = PEOPLE.entry(who.replace("  ", " "))
        assert entry is ANA
    assert PEOPLE.canonical(ANA_DISCORD) == ANA_SLACK
    assert PEOPLE.resolve("Ana Lima") == ANA_SLACK
    assert PEOPLE.same(ANA_DISCORD, ANA_EMAIL)


def test_an_identity_in_no_entry_is_a_person_of_its_own() -> None:
    """Someone not configured stays who they are and is nobody else."""
    sam = Person("slack:U0SAM")
    assert PEOPLE.canonical(sam) == sam
    assert not PEOPLE.same(sam, ANA_SLACK)
    assert PEOPLE.identity_on(sam, "slack") == sam
    assert PEOPLE.identity_on(sam, "discord") is None
    assert PEOPLE.page_platforms(sam, ("slack", "discord")) == []


def test_each_platform_has_the_persons_own_identity() -> None:
    """Ana on Discord is her Discord id; Bo on Slack is his email (Slack resolves it)."""
    assert PEOPLE.identity_on(ANA_SLACK, "discord") == ANA_DISCORD
    assert PEOPLE.identity_on(BO.key, "slack") == Person("bo@example.com")
    assert PEOPLE.identity_on(ANA_SLACK, "console") is None


def test_pages_go_to_page_on_else_every_platform_known_that_runs() -> None:
    """By default a page goes to every platform the person is known on that runs; `page_on`
    narrows it; when nothing of `page_on` runs, any platform they are known on."""
    assert PEOPLE.page_platforms(ANA_DISCORD, ("slack", "discord")) == [
        ("slack", ANA_SLACK),
        ("discord", ANA_DISCORD),
    ]
    assert PEOPLE.page_platforms(ANA_SLACK, ("discord",)) == [("discord", ANA_DISCORD)]
    only_discord = PeopleDirectory(
        [PersonEntry(name="Ana", identities=ANA.identities, page_on=("discord",))]
    )
    assert only_discord.page_platforms(ANA_SLACK, ("slack", "discord")) == [
        ("discord", ANA_DISCORD)
    ]
    assert only_discord.page_platforms(ANA_SLACK, ("slack",)) == [("slack", ANA_SLACK)]


def test_a_request_names_the_canonical_identity() -> None:
    """`ic @discord:…` and an action item's owner become Ana's canonical identity."""
    assert PEOPLE.canonical_request(
        c.AssignRole(role=Role.INCIDENT_COMMANDER, user=ANA_DISCORD)
    ) == c.AssignRole(role=Role.INCIDENT_COMMANDER, user=ANA_SLACK)
    owned = PEOPLE.canonical_request(c.AddActionItem(text="Add an alert", owner=ANA_EMAIL))
    assert owned.owner == ANA_SLACK
    untouched = c.AddNote(text="discord:234567890123456789")
    assert PEOPLE.canonical_request(untouched) is untouched


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        ([ANA, PersonEntry(name="ana lima", identities=(Person("slack:U0X"),))], "are named"),
        ([ANA, PersonEntry(name="Other", identities=(ANA_DISCORD,))], "is in two"),
        (
            [
                PersonEntry(name="A", identities=(Person("slack:U0A"),), github="ana-lima"),
                PersonEntry(name="B", identities=(Person("slack:U0B"),), github="Ana-Lima"),
            ],
            "GitHub login `Ana-Lima` is in two",
        ),
    ],
)
def test_a_name_or_identity_twice_is_refused(entries: list[PersonEntry], says: str) -> None:
    """One person, one table: a name or an identity in two tables cannot work."""
    with pytest.raises(DirectoryError, match=says):
        PeopleDirectory(entries)


def test_page_on_a_platform_without_an_identity_is_refused() -> None:
    """`page_on = ["discord"]` for someone with no Discord id says which platforms they have."""
    with pytest.raises(DirectoryError, match="no identity; use slack"):
        PersonEntry(name="Cy", identities=(Person("slack:U0CY"),), page_on=("discord",))
