"""The production webhook service: many worker processes behind a TLS proxy, state in PostgreSQL."""
