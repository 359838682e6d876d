"""Alembic migrations of the store (run through `freehold store upgrade`)."""
