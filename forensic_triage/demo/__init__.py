"""Builders for small demo and test evidence (disk images) made by the project's own code."""
