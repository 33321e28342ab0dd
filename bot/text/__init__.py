"""Text: normalising, segmenting, sentences, numbers and dates in Chinese (and simple English)."""
