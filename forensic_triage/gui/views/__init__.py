"""The workstation's analysis views: map, contact graph and timeline.

Each is a QWidget with ``artifact_selected = pyqtSignal(int)``, ``set_case(case_dir)`` and
``set_time_range(since, until)``; each reads the case only through the store query API (and the
contact graph built from it), never the evidence, and says plainly when there is nothing to show.
"""

from forensic_triage.gui.views.graph_view import GraphView
from forensic_triage.gui.views.map_view import MapView
from forensic_triage.gui.views.timeline_view import TimelineView

__all__ = ["GraphView", "MapView", "TimelineView"]
