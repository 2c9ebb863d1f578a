"""GEOS half of the point-in-fence comparison (run by missions/geo/internal/fencebench).

Reads the fence, zones and points the Go program wrote, and times GEOS
prepared-geometry containment through shapely's vectorised call on the same
points: allowed = inside(fence) and not inside(union of zones).
Prints one JSON line: {"seconds": ..., "points": ..., "allowed": ..., "shapely": ...}.
"""
import json
import sys
import time

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.prepared import prep
from shapely.ops import unary_union
from shapely.validation import explain_validity

try:  # shapely 2
    from shapely import contains_xy as _contains

    def contains(geom, x, y):
        return _contains(geom, x, y)

    def prepare(geom):
        shapely.prepare(geom)
        return geom
except ImportError:  # shapely 1.8 (Debian 12)
    from shapely.vectorized import contains

    prepare = prep

with open(sys.argv[1]) as f:
    d = json.load(f)
pts = np.fromfile(sys.argv[2], dtype="<f8").reshape(-1, 2)
x = np.ascontiguousarray(pts[:, 0])
y = np.ascontiguousarray(pts[:, 1])
fence = Polygon(d["fence"][0], d["fence"][1:])
# Overlapping zones make an invalid MultiPolygon for GEOS; their union is the same area.
zones = unary_union([Polygon(z[0], z[1:]) for z in d["zones"]])
if not fence.is_valid:
    sys.exit("the fence polygon is not valid for GEOS: " + explain_validity(fence))

pf, pz = prepare(fence), prepare(zones)
contains(pf, x[:1000], y[:1000])  # warm up (prepares the geometry)
contains(pz, x[:1000], y[:1000])
best = best_fence = None
for _ in range(3):
    t0 = time.perf_counter()
    allowed = contains(pf, x, y) & ~contains(pz, x, y)
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
    t0 = time.perf_counter()
    inside = contains(pf, x, y)
    dt = time.perf_counter() - t0
    best_fence = dt if best_fence is None else min(best_fence, dt)
print(json.dumps({"seconds": best, "fence_seconds": best_fence, "points": len(x), "allowed": int(allowed.sum()),
                  "inside": int(inside.sum()), "shapely": shapely.__version__}))
