"""Knowledge: the source of truth under knowledge/ (articles, programmes, stations, FAQ) and prompts/."""
