"""Neural generators whose output is reduced to pen strokes; the only package that imports torch."""
