"""Everything a workshop leaves behind: JSON (round-trip), CSV, a summary report, a wall poster.

Each format is a pure function of a `BoardView` (or, for JSON, of the board's documents).
"""
