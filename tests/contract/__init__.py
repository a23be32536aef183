"""Contract tests: the same store behaviour checked on SQLite and on PostgreSQL."""
