"""Qt item models over the case store, paged from SQLite (never a whole table in memory)."""
