"""The outbox payload: a message's kind is stored as its plain value and read back as the enum."""

from __future__ import annotations

import json

import pytest

from adapters.stores.codec import message_from_payload, message_payload
from incidents.messages import Audience, Message, MessageKind


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_is_stored_as_its_value_and_read_back_as_the_member(kind: MessageKind) -> None:
    """Each kind is the same JSON string as before the enum, and decodes to the enum member."""
    payload = message_payload(Message(kind=kind, audience=Audience.INCIDENT, text=("hi",)))
    assert json.loads(payload)["kind"] == kind.value
    assert message_from_payload(payload).kind is kind


def test_an_unknown_kind_in_the_outbox_fails_loudly() -> None:
    """A stored kind this version does not know raises ValueError naming it, not a guess."""
    payload = json.loads(
        message_payload(Message(kind=MessageKind.NOTE, audience=Audience.INCIDENT, text=("hi",)))
    )
    payload["kind"] = "carrier_pigeon"
    with pytest.raises(ValueError, match="carrier_pigeon"):
        message_from_payload(json.dumps(payload))
