"""Report figures: deterministic bytes, auto-zoomed map, top-N contact graph, bookings timeline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from forensic_triage.graph.build import ContactGraph, Identity, Link
from forensic_triage.report import figures

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _points(count: int, seed: int = 1) -> list[figures.MapPoint]:
    rnd = random.Random(seed)
    return [figures.MapPoint(lon=13.3 + rnd.random() * 0.2, lat=52.45 + rnd.random() * 0.1,
                             utc=(T0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                             origin=("exif", "maps")[i % 2]) for i in range(count)]


def test_map_is_deterministic_and_zoomed(tmp_path):
    first = figures.map_figure(_points(30), tmp_path / "a" / "map")
    second = figures.map_figure(_points(30), tmp_path / "b" / "map")
    assert first.png.read_bytes() == second.png.read_bytes()
    assert first.svg.read_bytes() == second.svg.read_bytes()
    assert first.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in first.svg.read_bytes()
    assert (first.width_px, first.height_px) == (1080, 720)
    assert "30 location points from 2 origin(s)" in first.caption and "time order" in first.caption
    assert "52." in first.caption and "intermediate" in first.caption       # zoomed on Berlin, fine outlines
    assert figures.map_figure([], tmp_path / "none") is None


def test_map_labels_a_sample_of_many_points(tmp_path):
    fig = figures.map_figure(_points(2000) + [figures.MapPoint(lon=2.35, lat=48.85)], tmp_path / "many",
                             formats=("png",))
    assert fig.svg is None
    assert f"{figures.MAX_MAP_LABELS} of 2,000 points numbered" in fig.caption
    assert "1 points without a time" in fig.caption


def _graph(nodes: int) -> ContactGraph:
    rnd = random.Random(7)
    identities = [Identity(id=f"id{i:05d}", label=("Алексей", "محمد", "王小明", "Sam")[i % 4] + str(i), identifiers=(),
                           owner=i == 0, degree_centrality=rnd.random() / (1 + i)) for i in range(nodes)]
    links = [Link(a="id00000", b=f"id{i:05d}", messages_a_to_b=rnd.randint(1, 50)) for i in range(1, nodes, 3)]
    links += [Link(a=f"id{i:05d}", b=f"id{i + 1:05d}", calls_a_to_b=1) for i in range(1, nodes - 1, 2)]
    return ContactGraph(identities=identities, links=links, params={}, stats={})


def test_graph_small_and_deterministic(tmp_path):
    first = figures.graph_figure(_graph(40), tmp_path / "a" / "graph", formats=("png",))
    second = figures.graph_figure(_graph(40), tmp_path / "b" / "graph", formats=("png",))
    assert first.png.read_bytes() == second.png.read_bytes()
    assert "40 identities" in first.caption and "Only the" not in first.caption
    assert figures.graph_figure(ContactGraph(identities=[], links=[], params={}, stats={}), tmp_path / "n") is None


def test_graph_of_5000_draws_the_top_n(tmp_path):
    fig = figures.graph_figure(_graph(5000), tmp_path / "big", formats=("png",))
    assert "5,000 identities" in fig.caption
    assert f"Only the {figures.MAX_GRAPH_NODES:,} most central identities" in fig.caption


def test_timeline_rows_and_cap(tmp_path):
    bars = [figures.BookingBar(row=f"traveller {i % 50:02d}", start=T0 + timedelta(days=i),
                               end=T0 + timedelta(days=i, hours=5) if i % 4 else None, type=("flight", "lodging")[i % 2],
                               label=f"LH {i}") for i in range(200)]
    fig = figures.timeline_figure(bars, tmp_path / "t")
    assert "200 booking entries on 50 rows" in fig.caption
    assert f"Only the {figures.MAX_TIMELINE_ROWS} rows" in fig.caption
    assert figures.timeline_figure([], tmp_path / "none") is None


def test_from_artifact_data():
    point = figures.map_point({"latitude": 51.47, "longitude": -0.45, "origin": "exif",
                               "time": {"utc": "2026-03-06T07:10:12Z"}})
    assert (point.lon, point.lat, point.utc, point.origin) == (-0.45, 51.47, "2026-03-06T07:10:12Z", "exif")
    assert figures.map_point({"latitude": None}) is None
    data = {"type": "flight", "trip_number": "ZZ 1201", "travellers": ["Ana", "Sam"], "start": {"utc": "2026-03-07T07:55:00Z"},
            "departure": {"code": "LHR"}, "arrival": {"code": "AMS"}}
    bars = figures.booking_bars(data, "booking #1")
    assert [bar.row for bar in bars] == ["Ana", "Sam"] and bars[0].label == "ZZ 1201 LHR→AMS" and bars[0].end is None
    assert figures.booking_bars({"type": "lodging"}, "x") == []
