"""Understanding: a message read (script, slips, the ask, times), smalltalk, and what it asks for."""
