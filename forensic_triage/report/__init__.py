"""Court-ready reports: a model read once from the case (model.py) and writers per format.

See /work/main docs and `forensic-triage report --help`. Writers have the signature
``write_<fmt>(model, out, *, progress=None) -> list[Path]`` and read only the model.
"""
