"""A stand-in Discord (REST v10 + gateway) for running the real discord.py client in tests."""

from tests.adapters.discord.standin.rest import Failure
from tests.adapters.discord.standin.server import Callback, RefusedCall, Sent, StandIn

__all__ = ["Callback", "Failure", "RefusedCall", "Sent", "StandIn"]
