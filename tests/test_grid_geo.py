"""Point routing: a point goes to its grid, deterministically on boundaries, around holes,
and to the smallest holding area or the centre's queue when outside every grid."""

from __future__ import annotations

import numpy as np
import shapely
from sqlalchemy import event, select

from hotline.core.extensions import db
from hotline.grid.geo import NOWHERE, GridIndex, Shape, current_index, geometry_from_geojson
from hotline.grid.models import Unit

SQUARE = shapely.box


def index(*grids, areas=()):
    return GridIndex(
        [Shape(i + 1, code, code, "grid", g) for i, (code, g) in enumerate(grids)],
        [Shape(100 + i, code, code, level, g) for i, (code, level, g) in enumerate(areas)],
    )


def test_interior_and_shared_boundaries():
    idx = index(("B", SQUARE(0, 0, 1, 1)), ("A", SQUARE(1, 0, 2, 1)), ("C", SQUARE(0, 1, 2, 2)))
    found = idx.locate_many([0.5, 1.5, 1.0, 1.0, 0.5, 5.0], [0.5, 0.5, 0.5, 1.0, 1.0, 5.0])
    codes = [idx.grids[i].code if i != NOWHERE else None for i in found]
    # On the edge A|B → A (smaller code); the corner of all three → A; the edge B|C → B.
    assert codes == ["B", "A", "A", "A", "B", None]
    # The same answer whatever order the grids were given in.
    again = index(("C", SQUARE(0, 1, 2, 2)), ("A", SQUARE(1, 0, 2, 1)), ("B", SQUARE(0, 0, 1, 1)))
    assert [again.grids[i].code for i in again.locate_many([1.0, 1.0], [0.5, 1.0])] == ["A", "A"]


def test_interior_beats_boundary():
    # A point on B's outer edge but inside A's interior (A overlaps nothing else here).
    idx = index(("A", SQUARE(0, 0, 4, 4)), ("B", SQUARE(4, 0, 5, 4)))
    assert idx.grids[idx.locate_many([4.0], [2.0])[0]].code == "A"
    idx = index(("Z", SQUARE(0, 0, 2, 2)), ("A", SQUARE(2, 0, 3, 2)))
    assert idx.grids[idx.locate_many([1.0], [1.0])[0]].code == "Z"


def test_one_point_is_routed_as_a_batch_is():
    # Shared edges, corners, an overlap, a hole and its enclave: every point of a lattice
    # that runs along all their edges gets the same grid from the one-point path (intake)
    # as from the batch (bulk routing).
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    idx = index(
        ("RING", ring),
        ("ISLAND", SQUARE(1.5, 1.5, 2.5, 2.5)),
        ("B", SQUARE(4, 0, 5, 1)),
        ("A", SQUARE(4, 1, 5, 2)),
        ("OVER", SQUARE(4.5, 0.5, 6, 3)),
    )
    xs = [x / 4 for x in range(-2, 26) for _ in range(-2, 18)]
    ys = [y / 4 for _ in range(-2, 26) for y in range(-2, 18)]
    assert [idx.locate_one(x, y) for x, y in zip(xs, ys, strict=True)] == idx.locate_many(xs, ys).tolist()


def test_a_batch_over_many_grids_finds_what_one_point_at_a_time_does():
    # 400 grids of a Voronoi partition (boxes that overlap and span several cells of the
    # batch's lattice) and a big grid around them: random points, points outside, and every
    # vertex (shared corners of three grids) go where the one-point path sends them.
    rng = np.random.default_rng(7)
    seeds = shapely.multipoints(rng.uniform(0, 10, (400, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=SQUARE(0, 0, 10, 10))), SQUARE(0, 0, 10, 10)
    )
    frame = shapely.difference(SQUARE(-5, -5, 15, 15), SQUARE(0, 0, 10, 10))
    idx = index(*[(f"G{i:04d}", cell) for i, cell in enumerate(cells)], ("FRAME", frame))
    corners = shapely.get_coordinates(cells)
    xs = np.concatenate([rng.uniform(-8, 18, 3000), corners[:, 0], [np.nan, 1.0, np.inf]])
    ys = np.concatenate([rng.uniform(-8, 18, 3000), corners[:, 1], [1.0, np.nan, 1.0]])
    batch = idx.locate_many(xs, ys).tolist()
    assert batch == [
        idx.locate_one(x, y) if np.isfinite([x, y]).all() else NOWHERE for x, y in zip(xs, ys, strict=True)
    ]
    frame_at = next(i for i, g in enumerate(idx.grids) if g.code == "FRAME")
    assert {NOWHERE, frame_at} < set(batch) and len(set(batch)) > 300  # outside, in the frame, most grids

    # Small grids under large ones that overlap across most of the area (imported badly,
    # say): the batch's table files the boxes in coarser cells than the small grids would
    # want, not each large one in hundreds of cells, and still agrees.
    small = [(f"S{i:04d}", SQUARE(i % 20 / 2, i // 20 / 2, i % 20 / 2 + 0.5, i // 20 / 2 + 0.5)) for i in range(400)]
    large = [(f"L{i:04d}", SQUARE(i / 100, i / 150, 8 + i / 100, 9)) for i in range(200)]
    overlapping = index(*small, *large)
    assert len(overlapping._cells.boxes) <= 16 * 600 + 1024
    xs, ys = rng.uniform(-1, 12, 2000), rng.uniform(-1, 12, 2000)
    assert overlapping.locate_many(xs, ys).tolist() == [
        overlapping.locate_one(x, y) for x, y in zip(xs, ys, strict=True)
    ]


def test_holes_and_enclaves():
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]])
    enclave = SQUARE(1.5, 1.5, 2.5, 2.5)
    idx = index(("RING", ring), ("ISLAND", enclave))
    found = idx.locate_many([0.5, 2.0, 1.2], [0.5, 2.0, 1.2])
    assert idx.grids[found[0]].code == "RING"
    assert idx.grids[found[1]].code == "ISLAND"
    assert found[2] == NOWHERE  # in the hole, not in the enclave
    assert idx.locate(1.2, 1.2).reason.startswith("坐标不在本中心任何网格")


def test_outside_every_grid_falls_back_to_the_smallest_area():
    idx = index(
        ("G1", SQUARE(0, 0, 1, 1)),
        areas=[("STREET", "street", SQUARE(0, 0, 3, 3)), ("DISTRICT", "district", SQUARE(0, 0, 9, 9))],
    )
    inside_street = idx.locate(2.0, 2.0)
    assert (inside_street.grid_id, inside_street.unit_id) == (None, 100)
    assert "街道" in inside_street.reason
    assert idx.locate(5.0, 5.0).unit_id == 101
    nowhere = idx.locate(20.0, 20.0)
    assert nowhere.unit_id is None and "人工派单" in nowhere.reason
    assert idx.locate(None, None).reason == "未提供坐标，由热线中心人工派单"
    assert idx.locate(0.5, 0.5).on_grid


def test_demo_polygons_nest_exactly(ctx):
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    grids = [u for u in units.values() if u.level == "grid"]
    assert len(grids) == 20 and all(g.boundary for g in grids)
    shapes = {g.code: geometry_from_geojson(g.boundary) for g in grids}
    for level in ("community", "street", "district"):
        for unit in (u for u in units.values() if u.level == level):
            below = [s for code, s in shapes.items() if code.startswith(unit.code)]
            union = shapely.union_all(below)
            # Tiles: the union has no gaps (its area is the sum) and is one rectangle.
            assert abs(union.area - sum(s.area for s in below)) < 1e-12
            assert abs(union.area - shapely.envelope(union).area) < 1e-12
    everything = shapely.union_all(list(shapes.values()))
    assert everything.bounds == (123.3, 41.7, 123.5, 41.9)  # 沈阳, the demo geography


def test_demo_point_lands_on_its_grid_and_chain(api):
    appeal = api.create(lat=41.88, lon=123.32)
    routing = api.get(f"/api/v1/appeals/{appeal['id']}/routing", "dispatcher", expect=200).get_json()
    assert routing["place"]["grid"]["code"] == "210102001001001"
    assert [u["code"] for u in routing["place"]["chain"]] == [
        "210000",
        "210100",
        "210102",
        "210102001",
        "210102001001",
        "210102001001001",
    ]
    # Every grid's centre lands on that grid.
    with api.app.app_context():
        idx = current_index()
        for grid in idx.grids:
            c = grid.geometry.centroid
            assert idx.locate(c.x, c.y).grid_id == grid.unit_id


def test_locate_endpoint_and_outside_points(api):
    located = api.get("/api/v1/routing/locate", "operator", query={"lat": 41.75, "lon": 123.47}, expect=200).get_json()
    assert located["grid"]["code"].startswith("210103002") and located["reason"] is None
    outside = api.get("/api/v1/routing/locate", "operator", query={"lat": 41.95, "lon": 123.47}, expect=200).get_json()
    assert outside["grid"] is None and outside["unit"] is None and "人工派单" in outside["reason"]
    appeal = api.create(lat=41.95, lon=123.47)
    assert api.get(f"/api/v1/appeals/{appeal['id']}/routing", "dispatcher").get_json()["place"]["reason"]
    event = api.appeal(appeal["id"])["events"][0]
    assert "人工派单" in event["payload"]["place"]["reason"]
    api.get("/api/v1/routing/locate", "operator", query={"lat": 95, "lon": 123}, expect=400)


def test_ancestors_and_subtree_are_single_queries(ctx):
    grid = db.session.scalar(select(Unit).where(Unit.code == "210102001001001"))
    district = db.session.scalar(select(Unit).where(Unit.code == "210102"))
    statements = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def count(*args):
        statements.append(args[2])

    ancestors = db.session.scalars(grid.ancestors_query()).all()
    below = db.session.scalars(select(Unit).where(Unit.subtree_clause(district.path))).all()
    event.remove(db.engine, "before_cursor_execute", count)
    assert [u.code for u in ancestors] == ["210000", "210100", "210102", "210102001", "210102001001"]
    assert len(below) == 1 + 4 + 2 + 4 + 10  # itself, departments, streets, communities, grids
    assert len(statements) == 2
