"""State: conversations, feedback, the unanswered queue and staff actions in a database."""
