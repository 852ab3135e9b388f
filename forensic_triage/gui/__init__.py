"""The desktop workstation (PyQt6). The only package of forensic_triage that imports Qt: it reads
the case through forensic_triage.store.query/search and runs the core's long work in worker
threads, relaying its progress events as Qt signals."""
