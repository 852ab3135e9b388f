"""Sub-commands that live in their own modules: each module here defines ``command`` (a click
command or group), and cli.py adds every one of them to `forensic-triage`."""
