"""Errors that end a command with a clear one-line message and a documented exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_VERIFY_FAILED = 1
EXIT_INPUT = 2


class TriageError(Exception):
    """An expected failure: bad input, missing file, refused action. Never shown as a traceback."""

    exit_code = EXIT_INPUT


class EvidenceError(TriageError):
    """Evidence that cannot be added or read (missing, corrupt, unsupported, duplicate)."""


class CaseError(TriageError):
    """A case folder that is missing, already exists, or is not a forensic-triage case."""


class VerificationFailed(TriageError):
    exit_code = EXIT_VERIFY_FAILED
