"""Incident channel names: valid on Slack and Discord whatever the title."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.naming import channel_name, slug

VALID = re.compile(r"[a-z0-9_-]+")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Checkout is failing", "inc-42-checkout-is-failing"),
        ("DB down!! (EU)", "inc-42-db-down-eu"),
        ("queue_worker stuck", "inc-42-queue_worker-stuck"),
        ("Café crème à Zürich", "inc-42-cafe-creme-a-zurich"),
        ("Ångström — Œuvre", "inc-42-angstrom-uvre"),
        ("🔥🔥🔥", "inc-42"),
        ("数据库故障", "inc-42"),
        ("Ошибка оплаты", "inc-42"),
        ("", "inc-42"),
        ("--__--", "inc-42"),
    ],
)
def test_channel_name_examples(title: str, expected: str) -> None:
    """Titles are lowercased, accents folded, anything else dashed; unusable titles give `inc-N`."""
    assert channel_name(42, title) == expected


def test_product_example() -> None:
    """The product example's channel name."""
    assert (
        channel_name(42, "Checkout is failing for card payments")
        == "inc-42-checkout-is-failing-for-card-payments"
    )


def test_long_title_is_cut_to_80_without_a_trailing_dash() -> None:
    """Names stay within 80 characters and do not end with a dash."""
    name = channel_name(42, "word " * 40)
    assert len(name) <= 80
    assert not name.endswith(("-", "_"))
    assert name.startswith("inc-42-word-word")


def test_max_length_100() -> None:
    """With max_length=100 (Discord) the name may be longer but stays within 100."""
    title = "x" * 200
    assert len(channel_name(42, title, max_length=100)) == 100
    assert len(channel_name(42, title)) == 80


def test_suffix_is_kept_within_the_limit() -> None:
    """A suffix survives cutting: the title gives way, the total stays within the limit."""
    name = channel_name(42, "y" * 200, suffix="2")
    assert name.endswith("-2")
    assert len(name) == 80
    assert channel_name(42, "🔥", suffix="2") == "inc-42-2"


def test_slug_folds_and_trims() -> None:
    """slug lowercases, folds accents, dashes the rest and trims dashes and underscores."""
    assert slug("  Élan: Vital!_ ") == "elan-vital"


@settings(max_examples=300)
@given(
    title=st.text(),
    number=st.integers(min_value=0, max_value=10**9),
    max_length=st.sampled_from([80, 100]),
    suffix=st.one_of(st.just(""), st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)),
)
def test_channel_name_is_always_valid(
    title: str, number: int, max_length: int, suffix: str
) -> None:
    """Any title and number give a lowercase a-z0-9-_ name within the limit, keeping the suffix."""
    name = channel_name(number, title, max_length=max_length, suffix=suffix)
    assert VALID.fullmatch(name), name
    assert len(name) <= max_length
    assert name == f"inc-{number}" + (f"-{suffix}" if suffix else "") or name.startswith(
        f"inc-{number}-"
    )
    assert name.endswith(f"-{suffix}" if suffix else "")
    assert not name.endswith(("-", "_"))
