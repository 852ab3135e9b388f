"""Builders that write app stores (SQLite databases, export files) with the apps' real table and
column names from simple Python data: one module per platform or app family. Tests and the demo
use them, so no fixture is ever copied from a real device or the corpus."""
