"""Answering: a Question in, a Reply out (rules first, then FAQ, stations, retrieval, optional model)."""
