"""Persistence of declarations and decisions: SQLite (embedded default) or PostgreSQL."""

from clearway.store.base import DecisionStore, StoredDecision, open_store

__all__ = ["DecisionStore", "StoredDecision", "open_store"]
