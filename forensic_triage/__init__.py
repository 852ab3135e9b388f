"""forensic-triage: a digital-evidence triage workstation.

The core (everything outside ``forensic_triage.gui``) never imports Qt.
"""

__version__ = "0.1.0"
TOOL_NAME = "forensic-triage"
