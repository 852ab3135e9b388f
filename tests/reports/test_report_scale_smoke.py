"""The report benchmark's case generator, at a tiny scale: the case it makes verifies (custody
chain, row digests, seals, artifact digests) and holds what it says."""

from __future__ import annotations

import sys
from pathlib import Path

from forensic_triage.store.case_store import CaseStore
from forensic_triage.store.query import kind_counts

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report_scale


def test_the_generated_case_verifies(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    counts = report_scale.generate(case_dir, scale=0.0003)
    sizes = report_scale.counts_for(0.0003)
    assert counts["message"] == sizes["messages"] and counts["geo_point"] == sizes["geo_points"]
    assert counts["reservation"] == sizes["reservations"] and counts["contact"] > 0 and counts["call"] > 0
    assert report_scale.verify(case_dir)
    store = CaseStore.open(case_dir)
    try:
        assert kind_counts(store) == dict(sorted(counts.items()))
        assert store.count("plugin_runs") == len(report_scale.STORES)
        # Every artifact points at a hashed file of the exhibit, as a plugin's would.
        assert store.count("artifacts", "WHERE file_id IS NULL") == 0
        assert store.count("files", "WHERE sha256 IS NULL AND type = 'regular'") == 0
    finally:
        store.close()
