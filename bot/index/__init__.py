"""Index: knowledge cut into passages, embedded and keyword-indexed; retrieval over it (derived data)."""
