"""Forward-only schema migrations, one SQL file per version and dialect."""
