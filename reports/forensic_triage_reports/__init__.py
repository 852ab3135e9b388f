"""Templates and static files (CSS, JavaScript) of forensic-triage's HTML report.

Data, never code: forensic_triage.report.html renders templates/ with Jinja2 (autoescaping on)
and copies static/ into the report folder, so the report opens offline with no CDN.
"""
