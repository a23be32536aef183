"""Names on Discord: the interaction carries them (member nick, else global name, else
username), so whoever acts has their name kept without another call."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.review.markdown import render_review
from incidents.people import Person
from incidents.review import review_facts
from tests.adapters.discord.conftest import until
from tests.adapters.discord.standin import StandIn


async def kept(app: App, discord: StandIn, who: str) -> str | None:
    """The name the store keeps for the stand-in's person `who`."""
    person = Person.of("discord", str(discord.uid(who)))
    async with app.store.transaction() as uow:
        found = (await uow.person_names([person])).get(person)
    return None if found is None else found.name


async def name_is(app: App, discord: StandIn, who: str, name: str) -> None:
    """Wait until the store keeps `name` for `who` (kept after the answer, in the handler)."""

    async def check() -> bool:
        return await kept(app, discord, who) == name

    await until(check, f"{who}'s name to be {name!r}")


async def test_the_member_nickname_is_kept(app: App, bot: DiscordAdapter, discord: StandIn) -> None:
    """A command by a member with a server nickname keeps the nickname (member.nick)."""
    payload = await discord.slash("list", as_user="sam", wait=False)
    assert isinstance(payload, dict)
    payload["member"]["nick"] = "Sammy 🚒"
    answer = await discord.interact(payload)
    assert answer.ephemeral
    await name_is(app, discord, "sam", "Sammy 🚒")


async def test_without_a_nickname_the_global_name_then_the_username(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """No nickname: the user's global display name; neither: the username."""
    discord.user("li")["global_name"] = "Li Wei"
    await discord.slash("list", as_user="li")
    await name_is(app, discord, "li", "Li Wei")
    discord.user("ana")["global_name"] = None
    await discord.slash("list", as_user="ana")
    await name_is(app, discord, "ana", "ana")


async def test_a_hostile_nickname_is_kept_clean_and_shown_inert(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Control and bidi characters never reach the store; the review draft shows the name
    escaped, never as a mention or markup."""
    payload = await discord.slash("open", severity="SEV-2", title="Search is slow", wait=False)
    assert isinstance(payload, dict)
    payload["member"]["nick"] = "@everyone\u202e <@&1> **x**\x1b"
    await discord.interact(payload)
    await name_is(app, discord, "sam", "@everyone <@&1> **x**")
    incident = await app.service.load(1)
    assert incident is not None

    async with app.store.transaction() as uow:
        names = {p: n.name for p, n in (await uow.person_names(incident.named_people)).items()}
    review = render_review(review_facts(incident, app.policy, app.clock.now()), names=names)
    assert r"by ＠everyone ‹＠\&1› \*\*x\*\*" in review
    assert "@everyone" not in review
    assert "<@&1>" not in review
