"""Persistent stores: SQLite (embedded default) and PostgreSQL (several replicas)."""
