"""The public web chat (and, when configured, the WeChat endpoint beside it)."""
