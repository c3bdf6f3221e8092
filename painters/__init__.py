"""Rule-based painters (AARON-style, Painting-Fool-style, classic stroke algorithms).

Each painter takes a seed and its parameters and returns a :class:`plotter.Plan`.
"""
