"""Dialogs: create a case, add evidence, ingest, tag, report, and errors with details on demand."""
