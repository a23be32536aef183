"""The web pages: the public status page and the internal incident dashboard."""
