"""The pytest fixture shipped for plugin authors (registered through the `pytest11` entry point).

    def test_my_plugin(run_extractor, tmp_path):
        result = run_extractor(MyPlugin, tmp_path / "app.db")
        assert result.warnings == []
        assert result.kinds() == {"message": 3}
"""

from __future__ import annotations

import pytest

from forensic_triage.plugin_host.local_run import ExtractorResult, run_on_file

__all__ = ["ExtractorResult", "run_extractor", "run_on_file"]


@pytest.fixture
def run_extractor():
    """Run one extractor on one file: ``run_extractor(PluginClass, path) -> ExtractorResult``
    (artifacts, warnings, status, kinds(), data(kind))."""
    return run_on_file
