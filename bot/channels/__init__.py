"""Channels: command line, terminal chat, JSONL, Telegram and the web admin. Thin: they render a Reply."""
