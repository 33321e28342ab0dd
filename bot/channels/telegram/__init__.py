"""The Telegram channel: renders engine Replies; knows nothing of Chroma."""
