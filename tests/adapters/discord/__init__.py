"""The Discord adapter: the real discord.py client against a stand-in Discord."""
