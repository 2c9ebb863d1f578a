package missions

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Severity says whether a problem stops a plan from being flown.
type Severity string

// Severities.
const (
	// SeverityError: the vehicle would refuse the plan or fly it somewhere
	// it must not go.
	SeverityError Severity = "error"
	// SeverityWarning: the plan may be fine but deserves a look (a count
	// above what many boards hold, a command this package does not know).
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Validate. Message names the item the way
// QGroundControl numbers it (mission item 1 is the first after home;
// polygons, circles and rally points from 1), e.g. "mission item 7
// (WAYPOINT): altitude 900 m is above the 500 m limit".
type Problem struct {
	Severity Severity    `json:"severity"`
	List     MissionType `json:"list"`
	// Index is the 1-based mission item, fence polygon, circle or rally
	// point number; 0 when the problem is about the list as a whole.
	Index   int    `json:"index"`
	Message string `json:"message"`
}

func (p Problem) String() string { return string(p.Severity) + ": " + p.Message }

// Problems is what Validate found.
type Problems []Problem

// Errors returns only the problems of SeverityError.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// Err is nil when there is no error-severity problem, else an error that
// wraps ErrInvalidPlan and lists them.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, p := range errs {
		msgs[i] = p.Message
	}
	return fmt.Errorf("%w: %s", ErrInvalidPlan, strings.Join(msgs, "; "))
}

// Limits are what a vehicle accepts. Zero fields take the defaults of
// DefaultLimits for the plan's firmware.
type Limits struct {
	// MaxAltM is the highest altitude above home a mission may fly to
	// (optional). Defaults to 500 m.
	MaxAltM float64
	// MaxMissionItems (optional) defaults per firmware: ArduPilot 724 (a
	// board with 16 KB of storage; boards with more hold more), PX4 2000
	// (its dataman's offboard mission size), other 65535.
	MaxMissionItems int
	// MaxFenceItems (optional) is the number of fence items (vertices,
	// circles, return point) the vehicle stores: ArduPilot 84, PX4 64, other
	// 65535.
	MaxFenceItems int
	// MaxRallyPoints (optional): ArduPilot 10, PX4 8 (its safe points),
	// other 65535.
	MaxRallyPoints int
}

// DefaultLimits returns the limits of a firmware (MAV_AUTOPILOT) as
// documented on Limits. They are typical values: boards differ, so counts
// above them are warnings, not errors.
func DefaultLimits(firmware uint8) Limits {
	switch firmware {
	case FirmwareArduPilot:
		return Limits{MaxAltM: 500, MaxMissionItems: 724, MaxFenceItems: 84, MaxRallyPoints: 10}
	case FirmwarePX4:
		return Limits{MaxAltM: 500, MaxMissionItems: 2000, MaxFenceItems: 64, MaxRallyPoints: 8}
	}
	return Limits{MaxAltM: 500, MaxMissionItems: 65535, MaxFenceItems: 65535, MaxRallyPoints: 65535}
}

func (l Limits) withDefaults(firmware uint8) Limits {
	d := DefaultLimits(firmware)
	if l.MaxAltM <= 0 {
		l.MaxAltM = d.MaxAltM
	}
	if l.MaxMissionItems <= 0 {
		l.MaxMissionItems = d.MaxMissionItems
	}
	if l.MaxFenceItems <= 0 {
		l.MaxFenceItems = d.MaxFenceItems
	}
	if l.MaxRallyPoints <= 0 {
		l.MaxRallyPoints = d.MaxRallyPoints
	}
	return l
}

func firmwareName(fw uint8) string {
	switch fw {
	case FirmwareArduPilot:
		return "ArduPilot"
	case FirmwarePX4:
		return "PX4"
	}
	return "the vehicle"
}

// Validate checks what can be checked without maps: positions on the Earth,
// altitudes within the limit, DO_JUMP targets, fence polygons of at least 3
// distinct vertices that do not cross themselves, circle radii above 0, and
// item counts within what the firmware stores. Spatial checks against the
// fence and the border are in validate_geo.go.
func Validate(p *Plan, l Limits) Problems {
	l = l.withDefaults(p.Vehicle.FirmwareType)
	var ps Problems
	add := func(sev Severity, list MissionType, idx int, format string, args ...any) {
		ps = append(ps, Problem{Severity: sev, List: list, Index: idx, Message: fmt.Sprintf(format, args...)})
	}
	fw := firmwareName(p.Vehicle.FirmwareType)

	if h := p.Home; h != nil {
		if err := checkLatLon(h.Lat, h.Lon); err != nil {
			add(SeverityError, TypeMission, 0, "home: %v", err)
		}
	}
	if n := len(p.Mission); n > l.MaxMissionItems {
		add(SeverityWarning, TypeMission, 0, "mission: %d items, above the %d that %s typically stores", n, l.MaxMissionItems, fw)
	}
	for i, it := range p.Mission {
		n := i + 1
		where := fmt.Sprintf("mission item %d (%s)", n, CommandName(it.Command))
		if !KnownCommand(it.Command) {
			add(SeverityWarning, TypeMission, n, "%s: unknown command; check that the vehicle supports it", where)
		}
		if it.Command >= 5000 && it.Command <= 5100 {
			add(SeverityError, TypeMission, n, "%s: fence and rally commands belong in the fence and rally lists, not the mission", where)
		}
		if navPositional[it.Command] && globalFrame(it.Frame) {
			lat, lon := it.Params[4], it.Params[5]
			switch {
			case math.IsNaN(lat) || math.IsNaN(lon):
				if it.Command != CmdNavTakeoff && it.Command != CmdNavLand && it.Command != CmdNavVTOLTakeoff && it.Command != CmdNavVTOLLand {
					add(SeverityError, TypeMission, n, "%s: no latitude/longitude", where)
				}
			default:
				if err := checkLatLon(lat, lon); err != nil {
					add(SeverityError, TypeMission, n, "%s: %v", where, err)
				}
			}
			if alt, ok := altAboveHome(it, p.Home); ok {
				switch {
				case alt > l.MaxAltM:
					add(SeverityError, TypeMission, n, "%s: altitude %s m is above the %s m limit", where, fmtM(alt), fmtM(l.MaxAltM))
				case alt < 0 && it.Command != CmdNavLand && it.Command != CmdNavVTOLLand:
					add(SeverityError, TypeMission, n, "%s: altitude %s m is below home", where, fmtM(alt))
				}
			}
		}
		if it.Command == CmdDoJump {
			t := it.Params[0]
			if t != math.Trunc(t) || t < 1 || int(t) > len(p.Mission) {
				add(SeverityError, TypeMission, n, "%s: jumps to item %g, which does not exist (items 1-%d)", where, t, len(p.Mission))
			} else if int(t) == n {
				add(SeverityError, TypeMission, n, "%s: jumps to itself", where)
			}
		}
	}

	if n := len(p.Items(TypeFence)); n > l.MaxFenceItems {
		add(SeverityWarning, TypeFence, 0, "fence: %d items (vertices, circles, return point), above the %d that %s typically stores", n, l.MaxFenceItems, fw)
	}
	for i, poly := range p.Fence.Polygons {
		kind := "exclusion"
		if poly.Inclusion {
			kind = "inclusion"
		}
		where := fmt.Sprintf("fence polygon %d (%s)", i+1, kind)
		msgs, unchecked := polygonProblems(poly.Vertices)
		for _, msg := range msgs {
			add(SeverityError, TypeFence, i+1, "%s: %s", where, msg)
		}
		if unchecked {
			add(SeverityWarning, TypeFence, i+1, "%s: %d vertices in so tangled a shape that crossing edges were not fully checked; simplify it", where, len(poly.Vertices))
		}
	}
	for i, c := range p.Fence.Circles {
		kind := "exclusion"
		if c.Inclusion {
			kind = "inclusion"
		}
		where := fmt.Sprintf("fence circle %d (%s)", i+1, kind)
		if !(c.RadiusM > 0) || math.IsInf(c.RadiusM, 0) {
			add(SeverityError, TypeFence, i+1, "%s: radius %g m; it must be above 0", where, c.RadiusM)
		}
		if err := checkLatLon(c.Center.Lat(), c.Center.Lon()); err != nil {
			add(SeverityError, TypeFence, i+1, "%s: centre %v", where, err)
		}
	}
	if r := p.Fence.Return; r != nil {
		if err := checkLatLon(r.Lat, r.Lon); err != nil {
			add(SeverityError, TypeFence, 0, "fence return point: %v", err)
		}
	}

	if n := len(p.Rally); n > l.MaxRallyPoints {
		add(SeverityWarning, TypeRally, 0, "rally: %d points, above the %d that %s typically stores", n, l.MaxRallyPoints, fw)
	}
	for i, r := range p.Rally {
		if err := checkLatLon(r.Lat, r.Lon); err != nil {
			add(SeverityError, TypeRally, i+1, "rally point %d: %v", i+1, err)
		}
		if r.AltM > l.MaxAltM {
			add(SeverityError, TypeRally, i+1, "rally point %d: altitude %s m is above the %s m limit", i+1, fmtM(r.AltM), fmtM(l.MaxAltM))
		}
	}
	return ps
}

// altAboveHome is the item's altitude above home, when it can be known:
// relative and terrain frames carry it (terrain is above the ground, which
// is what a ceiling limits), the absolute frame needs home's altitude.
func altAboveHome(it Item, home *Position) (float64, bool) {
	alt := it.Params[6]
	if math.IsNaN(alt) {
		return 0, false
	}
	switch it.Frame {
	case FrameGlobalRelativeAlt, FrameGlobalRelAltInt, FrameGlobalTerrainAlt, 11:
		return alt, true
	case FrameGlobal, FrameGlobalInt:
		if home == nil || math.IsNaN(home.AltM) {
			return 0, false
		}
		return alt - home.AltM, true
	}
	return 0, false
}

func fmtM(v float64) string { return fmt.Sprintf("%.4g", v) }

// polygonProblems finds what makes a fence polygon unusable: fewer than 3
// distinct vertices, positions off the Earth, repeated consecutive
// vertices, zero area, and edges that cross (a self-intersecting polygon
// has no well-defined inside, and autopilots disagree about it). unchecked
// is set when the crossing test gave up on its work budget.
func polygonProblems(v []orb.Point) (out []string, unchecked bool) {
	if len(v) > 1 && v[0] == v[len(v)-1] {
		v = v[:len(v)-1] // tolerate a closed ring
	}
	if len(v) < 3 {
		return append(out, fmt.Sprintf("%d vertices; a polygon needs at least 3", len(v))), false
	}
	for j, p := range v {
		if err := checkLatLon(p.Lat(), p.Lon()); err != nil {
			out = append(out, fmt.Sprintf("vertex %d: %v", j+1, err))
		}
	}
	if len(out) > 0 {
		return out, false
	}
	for j := range v {
		if v[j] == v[(j+1)%len(v)] {
			out = append(out, fmt.Sprintf("vertices %d and %d are the same point", j+1, (j+1)%len(v)+1))
		}
	}
	a, b, found, complete := firstCrossing(v)
	if found {
		return append(out, fmt.Sprintf("edges %d-%d and %d-%d cross (the polygon intersects itself)", a+1, (a+1)%len(v)+1, b+1, (b+1)%len(v)+1)), false
	}
	area := 0.0
	for j := range v {
		a, b := v[j], v[(j+1)%len(v)]
		area += a[0]*b[1] - b[0]*a[1]
	}
	if area == 0 {
		out = append(out, "the vertices are on one line (zero area)")
	}
	return out, !complete
}

// crossingBudget bounds the work firstCrossing does (edge-to-cell
// registrations plus edge pairs compared). Real fences need a few per edge;
// a hostile zigzag of 100 000 vertices would need billions, and validation
// must not hang the server on it.
const crossingBudget = 5_000_000

// firstCrossing returns the pair of non-adjacent edges of the closed ring v
// that intersect with the lowest edge numbers. Edges are bucketed in a grid
// of about one cell per edge, shaped like the ring's bounding box, and only
// edges sharing a cell are compared, so long thin fences along a border
// (north-south as well as east-west) stay near linear. complete is false
// when the work budget ran out first.
func firstCrossing(v []orb.Point) (i, j int, found, complete bool) {
	n := len(v)
	b := orb.MultiPoint(v).Bound()
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	nx, ny := 1, 1
	switch {
	case w > 0 && h > 0:
		nx = int(math.Ceil(math.Sqrt(float64(n) * w / h)))
		ny = int(math.Ceil(math.Sqrt(float64(n) * h / w)))
	case w > 0:
		nx = n
	case h > 0:
		ny = n
	}
	nx, ny = min(max(nx, 1), n), min(max(ny, 1), n)
	cellX := func(x float64) int {
		if w == 0 {
			return 0
		}
		return min(int((x-b.Min[0])/w*float64(nx)), nx-1)
	}
	cellY := func(y float64) int {
		if h == 0 {
			return 0
		}
		return min(int((y-b.Min[1])/h*float64(ny)), ny-1)
	}
	cells := make([][]int32, nx*ny)
	work := 0
	for e := range n {
		a, c := v[e], v[(e+1)%n]
		x0, x1 := cellX(math.Min(a[0], c[0])), cellX(math.Max(a[0], c[0]))
		y0, y1 := cellY(math.Min(a[1], c[1])), cellY(math.Max(a[1], c[1]))
		for cy := y0; cy <= y1; cy++ {
			for cx := x0; cx <= x1; cx++ {
				if work++; work > crossingBudget {
					return 0, 0, false, false
				}
				cells[cy*nx+cx] = append(cells[cy*nx+cx], int32(e))
			}
		}
	}
	bi, bj := n, n
	for _, es := range cells {
		for p := 0; p < len(es); p++ {
			for q := p + 1; q < len(es); q++ {
				if work++; work > crossingBudget {
					return 0, 0, false, false
				}
				i, j := int(es[p]), int(es[q])
				if i > j {
					i, j = j, i
				}
				if j == i+1 || (i == 0 && j == n-1) {
					continue // adjacent edges share a vertex
				}
				if (i < bi || (i == bi && j < bj)) && segmentsIntersect(v[i], v[(i+1)%n], v[j], v[(j+1)%n]) {
					bi, bj = i, j
				}
			}
		}
	}
	if bi < n {
		return bi, bj, true, true
	}
	return 0, 0, false, true
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
