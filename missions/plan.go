package missions

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Plan is what an operator plans for one vehicle: the mission, the geofence
// and the rally points, with the vehicle they were planned for and who made
// them. It is the one model every file format reads into and writes from,
// and the gcs turns it into the three MAVLink mission-protocol lists with
// Items.
//
// Mission holds the mission items WITHOUT home (PX4's numbering: Mission[0]
// is the first item flown); the gcs prepends home for ArduPilot. DO_JUMP
// (177) param1 keeps the numbering of QGroundControl's doJumpId and of
// ArduPilot: the target's index in Mission plus one (home counts as 0). The
// gcs subtracts one for PX4, as QGroundControl does.
type Plan struct {
	Mission []Item    `json:"mission"`
	Home    *Position `json:"home,omitempty"` // planned home (QGC plannedHomePosition), nil if unknown
	Fence   Fence     `json:"fence"`
	// Rally points; altitudes are relative to home, as QGroundControl and
	// ArduPilot use them.
	Rally   []Position `json:"rally,omitempty"`
	Vehicle Vehicle    `json:"vehicle"`
	Meta    Meta       `json:"meta"`

	// Notes are what a reader had to interpret or leave out (for example a
	// geoFence version 1 that QGroundControl ignores); they are for the
	// operator and are not written back.
	Notes []string `json:"notes,omitempty"`

	// qgc keeps what a QGroundControl file held beyond the model, so that a
	// read-then-write round trip loses nothing QGC would miss. Never
	// modified after the read, so copies of a Plan may share it.
	qgc *qgcExtras
}

// Position is a point on the Earth with an altitude. Which datum the altitude
// is measured from depends on where it is used (see the field that holds it).
type Position struct {
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	AltM float64 `json:"alt_m"`
}

// Fence is a geofence as the MAVLink fence protocol carries it: any number of
// inclusion and exclusion polygons and circles and an optional return point.
type Fence struct {
	Polygons []FencePolygon `json:"polygons,omitempty"`
	Circles  []FenceCircle  `json:"circles,omitempty"`
	// Return is the fence return point (MAV_CMD_NAV_FENCE_RETURN_POINT, 5000),
	// nil if none. Its altitude is relative to home.
	Return *Position `json:"return,omitempty"`
}

// FencePolygon is one inclusion (stay inside) or exclusion (keep out)
// polygon. Vertices are [lon, lat] as orb uses them, open (the first vertex
// is not repeated at the end).
type FencePolygon struct {
	Inclusion bool        `json:"inclusion"`
	Vertices  []orb.Point `json:"vertices"`
}

// FenceCircle is one inclusion or exclusion circle; Center is [lon, lat].
type FenceCircle struct {
	Inclusion bool      `json:"inclusion"`
	Center    orb.Point `json:"center"`
	RadiusM   float64   `json:"radius_m"`
}

// IsEmpty reports whether the fence has no polygon, circle or return point.
func (f Fence) IsEmpty() bool {
	return len(f.Polygons) == 0 && len(f.Circles) == 0 && f.Return == nil
}

// Vehicle is what a plan was made for. Zero values mean "not said".
type Vehicle struct {
	// FirmwareType is MAV_AUTOPILOT: 3 ArduPilot, 12 PX4, 0 generic.
	FirmwareType uint8 `json:"firmware_type"`
	// VehicleType is MAV_TYPE: 1 fixed wing, 2 quadrotor, 10 ground rover …
	VehicleType   uint8   `json:"vehicle_type"`
	CruiseSpeedMS float64 `json:"cruise_speed_m_s,omitempty"`
	HoverSpeedMS  float64 `json:"hover_speed_m_s,omitempty"`
}

// MAV_AUTOPILOT values that decide how a plan is flown.
const (
	FirmwareGeneric   uint8 = 0
	FirmwareArduPilot uint8 = 3
	FirmwarePX4       uint8 = 12
)

// Meta identifies one version of a plan: who saved it, when, and which
// revision it is. The .plan writer stores it under a "borderwatch" key that
// QGroundControl ignores.
type Meta struct {
	Name      string    `json:"name,omitempty"`
	Author    string    `json:"author,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Revision  int       `json:"revision,omitempty"`
	Comment   string    `json:"comment,omitempty"`
}

// Fence and rally MAV_CMDs (common.xml).
const (
	CmdFenceReturnPoint     uint16 = 5000
	CmdFencePolygonInclude  uint16 = 5001
	CmdFencePolygonExclude  uint16 = 5002
	CmdFenceCircleInclusion uint16 = 5003
	CmdFenceCircleExclusion uint16 = 5004
	CmdRallyPoint           uint16 = 5100
)

// MAV_FRAME values used when the model builds items.
const (
	FrameGlobal            uint8 = 0
	FrameMission           uint8 = 2
	FrameGlobalRelativeAlt uint8 = 3
	FrameGlobalInt         uint8 = 5
	FrameGlobalRelAltInt   uint8 = 6
	FrameGlobalTerrainAlt  uint8 = 10
)

// Items returns the wire items of one list: the mission as it is (without
// home), the fence as 5001/5002 vertex runs (param1 = vertex count) and
// 5003/5004 circles (param1 = radius) preceded by the 5000 return point, and
// rally as 5100 points. Fence and rally items use the relative-altitude frame
// as QGroundControl sends them. The result is a fresh slice.
func (p *Plan) Items(t MissionType) []Item {
	switch t {
	case TypeMission:
		return slices.Clone(p.Mission)
	case TypeFence:
		var out []Item
		if r := p.Fence.Return; r != nil {
			out = append(out, globalItem(CmdFenceReturnPoint, 0, r.Lat, r.Lon, r.AltM))
		}
		for _, poly := range p.Fence.Polygons {
			cmd := CmdFencePolygonExclude
			if poly.Inclusion {
				cmd = CmdFencePolygonInclude
			}
			for _, v := range poly.Vertices {
				out = append(out, globalItem(cmd, float64(len(poly.Vertices)), v.Lat(), v.Lon(), 0))
			}
		}
		for _, c := range p.Fence.Circles {
			cmd := CmdFenceCircleExclusion
			if c.Inclusion {
				cmd = CmdFenceCircleInclusion
			}
			out = append(out, globalItem(cmd, c.RadiusM, c.Center.Lat(), c.Center.Lon(), 0))
		}
		return out
	case TypeRally:
		out := make([]Item, 0, len(p.Rally))
		for _, r := range p.Rally {
			out = append(out, globalItem(CmdRallyPoint, 0, r.Lat, r.Lon, r.AltM))
		}
		return out
	}
	return nil
}

func globalItem(cmd uint16, p1, lat, lon, alt float64) Item {
	return Item{Command: cmd, Frame: FrameGlobalRelativeAlt, Params: [7]float64{p1, 0, 0, 0, lat, lon, alt}, Autocontinue: true}
}

// PlanFromItems builds a plan from the three wire lists (the mission without
// home). It is the inverse of Items and refuses fence and rally lists that a
// vehicle could not have meant: a command that does not belong in the list,
// a polygon whose vertex count disagrees with its run of vertices, fewer than
// three vertices, a circle without a positive radius, two return points, or a
// position off the Earth.
func PlanFromItems(mission, fence, rally []Item) (*Plan, error) {
	p := &Plan{Mission: slices.Clone(mission)}
	f, err := fenceFromItems(fence)
	if err != nil {
		return nil, err
	}
	p.Fence = f
	for i, it := range rally {
		if it.Command != CmdRallyPoint {
			return nil, fmt.Errorf("%w: rally item %d: %s is not a rally point (5100)", ErrBadItems, i+1, cmdLabel(it.Command))
		}
		pos, err := itemPosition(it)
		if err != nil {
			return nil, fmt.Errorf("%w: rally item %d: %v", ErrBadItems, i+1, err)
		}
		p.Rally = append(p.Rally, pos)
	}
	return p, nil
}

func fenceFromItems(items []Item) (Fence, error) {
	var f Fence
	for i := 0; i < len(items); {
		it := items[i]
		switch it.Command {
		case CmdFenceReturnPoint:
			if f.Return != nil {
				return Fence{}, fmt.Errorf("%w: fence item %d: a second return point (5000); a fence has at most one", ErrBadItems, i+1)
			}
			pos, err := itemPosition(it)
			if err != nil {
				return Fence{}, fmt.Errorf("%w: fence item %d (return point): %v", ErrBadItems, i+1, err)
			}
			f.Return = &pos
			i++
		case CmdFencePolygonInclude, CmdFencePolygonExclude:
			n := it.Params[0]
			if n != math.Trunc(n) || n < 3 || n > maxFenceVertices {
				return Fence{}, fmt.Errorf("%w: fence item %d (%s): vertex count (param1) is %g; a polygon needs a whole number of at least 3 vertices",
					ErrBadItems, i+1, CommandName(it.Command), n)
			}
			count := int(n)
			if i+count > len(items) {
				return Fence{}, fmt.Errorf("%w: fence item %d (%s): polygon of %d vertices, but only %d fence items follow",
					ErrBadItems, i+1, CommandName(it.Command), count, len(items)-i)
			}
			poly := FencePolygon{Inclusion: it.Command == CmdFencePolygonInclude, Vertices: make([]orb.Point, 0, count)}
			for j := i; j < i+count; j++ {
				v := items[j]
				if v.Command != it.Command || v.Params[0] != n {
					return Fence{}, fmt.Errorf("%w: fence item %d: polygon that starts at item %d with %d vertices (%s) ends early: item %d is %s with param1 %g",
						ErrBadItems, j+1, i+1, count, CommandName(it.Command), j+1, CommandName(v.Command), v.Params[0])
				}
				pos, err := itemPosition(v)
				if err != nil {
					return Fence{}, fmt.Errorf("%w: fence item %d (%s): %v", ErrBadItems, j+1, CommandName(v.Command), err)
				}
				poly.Vertices = append(poly.Vertices, orb.Point{pos.Lon, pos.Lat})
			}
			f.Polygons = append(f.Polygons, poly)
			i += count
		case CmdFenceCircleInclusion, CmdFenceCircleExclusion:
			r := it.Params[0]
			if !(r > 0) || math.IsInf(r, 0) {
				return Fence{}, fmt.Errorf("%w: fence item %d (%s): radius (param1) is %g m; it must be above 0",
					ErrBadItems, i+1, CommandName(it.Command), r)
			}
			pos, err := itemPosition(it)
			if err != nil {
				return Fence{}, fmt.Errorf("%w: fence item %d (%s): %v", ErrBadItems, i+1, CommandName(it.Command), err)
			}
			f.Circles = append(f.Circles, FenceCircle{Inclusion: it.Command == CmdFenceCircleInclusion, Center: orb.Point{pos.Lon, pos.Lat}, RadiusM: r})
			i++
		default:
			return Fence{}, fmt.Errorf("%w: fence item %d: %s is not a fence command (5000-5004)", ErrBadItems, i+1, cmdLabel(it.Command))
		}
	}
	return f, nil
}

// maxFenceVertices bounds a polygon's declared size, so that a corrupt
// count cannot ask for a huge allocation; ArduPilot stores at most a few
// hundred fence points.
const maxFenceVertices = 100000

// itemPosition reads the position of a global-frame item and checks it is on
// the Earth.
func itemPosition(it Item) (Position, error) {
	pos := Position{Lat: it.Params[4], Lon: it.Params[5], AltM: it.Params[6]}
	if err := checkLatLon(pos.Lat, pos.Lon); err != nil {
		return Position{}, err
	}
	if math.IsNaN(pos.AltM) || math.IsInf(pos.AltM, 0) {
		pos.AltM = 0
	}
	return pos, nil
}

func checkLatLon(lat, lon float64) error {
	if !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return fmt.Errorf("position (lat %g, lon %g) is off the Earth (lat -90..90, lon -180..180)", lat, lon)
	}
	return nil
}

// Clone returns a deep copy of the plan.
func (p *Plan) Clone() *Plan {
	q := *p
	q.Mission = slices.Clone(p.Mission)
	q.Home = clonePos(p.Home)
	q.Fence.Return = clonePos(p.Fence.Return)
	q.Fence.Circles = slices.Clone(p.Fence.Circles)
	q.Fence.Polygons = make([]FencePolygon, len(p.Fence.Polygons))
	for i, poly := range p.Fence.Polygons {
		q.Fence.Polygons[i] = FencePolygon{Inclusion: poly.Inclusion, Vertices: slices.Clone(poly.Vertices)}
	}
	if p.Fence.Polygons == nil {
		q.Fence.Polygons = nil
	}
	q.Rally = slices.Clone(p.Rally)
	q.Notes = slices.Clone(p.Notes)
	return &q
}

func clonePos(p *Position) *Position {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// Tolerances for comparing plans by meaning: file formats print coordinates
// with 6 to 8 decimals (6 decimals are 0.11 m) and MISSION_ITEM_INT carries
// degE7, and float32 params lose about 7 significant digits.
const (
	coordTolDeg = 1e-6
	altTolM     = 0.01
	paramRelTol = 1e-6
)

// Diff compares two plans by meaning, as a vehicle would fly them, and
// returns the first difference found, or "" when they are the same. It
// ignores metadata, notes and what only QGroundControl's editor uses;
// coordinates match within about 0.1 m, altitudes within 1 cm, params to
// float32 precision, NaN ("unused") equals NaN, and a frame equals its _INT
// twin (6 is 3).
func (p *Plan) Diff(q *Plan) string {
	if len(p.Mission) != len(q.Mission) {
		return fmt.Sprintf("mission has %d items, the other %d", len(p.Mission), len(q.Mission))
	}
	for i := range p.Mission {
		if d := itemDiff(p.Mission[i], q.Mission[i]); d != "" {
			return fmt.Sprintf("mission item %d (%s): %s", i+1, CommandName(p.Mission[i].Command), d)
		}
	}
	if (p.Home == nil) != (q.Home == nil) {
		return fmt.Sprintf("home is %v, the other %v", fmtPos(p.Home), fmtPos(q.Home))
	}
	if p.Home != nil && !posEqual(*p.Home, *q.Home) {
		return fmt.Sprintf("home is %v, the other %v", fmtPos(p.Home), fmtPos(q.Home))
	}
	for _, t := range []MissionType{TypeFence, TypeRally} {
		a, b := p.Items(t), q.Items(t)
		if len(a) != len(b) {
			return fmt.Sprintf("%s has %d items, the other %d", t, len(a), len(b))
		}
		for i := range a {
			if d := itemDiff(a[i], b[i]); d != "" {
				return fmt.Sprintf("%s item %d (%s): %s", t, i+1, CommandName(a[i].Command), d)
			}
		}
	}
	return ""
}

func fmtPos(p *Position) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("(%.7f, %.7f, %.2f m)", p.Lat, p.Lon, p.AltM)
}

func posEqual(a, b Position) bool {
	return closeTo(a.Lat, b.Lat, coordTolDeg) && closeTo(a.Lon, b.Lon, coordTolDeg) && closeTo(a.AltM, b.AltM, altTolM)
}

func itemDiff(a, b Item) string {
	if a.Command != b.Command {
		return fmt.Sprintf("command %d vs %d", a.Command, b.Command)
	}
	if baseFrame(a.Frame) != baseFrame(b.Frame) {
		return fmt.Sprintf("frame %d vs %d", a.Frame, b.Frame)
	}
	if a.Autocontinue != b.Autocontinue {
		return fmt.Sprintf("autocontinue %v vs %v", a.Autocontinue, b.Autocontinue)
	}
	for k := range a.Params {
		x, y := a.Params[k], b.Params[k]
		var ok bool
		switch {
		case k == 4 || k == 5:
			ok = closeTo(x, y, coordTolDeg)
		case k == 6:
			ok = closeTo(x, y, altTolM)
		default:
			ok = closeTo(x, y, math.Max(math.Abs(x), math.Abs(y))*paramRelTol)
		}
		if !ok {
			return fmt.Sprintf("param%d %g vs %g", k+1, x, y)
		}
	}
	return ""
}

// baseFrame maps the _INT frames (5, 6, 11) to the frames they mean (0, 3,
// 10): they differ only in how MISSION_ITEM_INT encodes coordinates, and
// ArduPilot answers a frame 6 upload with frame 3.
func baseFrame(f uint8) uint8 {
	switch f {
	case FrameGlobalInt:
		return FrameGlobal
	case FrameGlobalRelAltInt:
		return FrameGlobalRelativeAlt
	case 11:
		return FrameGlobalTerrainAlt
	}
	return f
}

func closeTo(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b || math.Abs(a-b) <= tol
}

// MarshalJSON writes NaN params ("unused", as QGroundControl's null) as null:
// encoding/json refuses NaN.
func (it Item) MarshalJSON() ([]byte, error) {
	var params [7]*float64
	for i := range it.Params {
		if v := it.Params[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			params[i] = &v
		}
	}
	return json.Marshal(struct {
		Command      uint16      `json:"command"`
		Frame        uint8       `json:"frame"`
		Params       [7]*float64 `json:"params"`
		Autocontinue bool        `json:"autocontinue"`
	}{it.Command, it.Frame, params, it.Autocontinue})
}

// UnmarshalJSON reads null params as NaN.
func (it *Item) UnmarshalJSON(data []byte) error {
	var v struct {
		Command      uint16      `json:"command"`
		Frame        uint8       `json:"frame"`
		Params       [7]*float64 `json:"params"`
		Autocontinue bool        `json:"autocontinue"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*it = Item{Command: v.Command, Frame: v.Frame, Autocontinue: v.Autocontinue}
	for i, p := range v.Params {
		if p == nil {
			it.Params[i] = math.NaN()
		} else {
			it.Params[i] = *p
		}
	}
	return nil
}

// MarshalJSON writes a NaN altitude (unknown, as QGroundControl's null home
// altitude) as null: encoding/json refuses NaN.
func (p Position) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Lat  float64  `json:"lat"`
		Lon  float64  `json:"lon"`
		AltM *float64 `json:"alt_m"`
	}{p.Lat, p.Lon, nullableNum(p.AltM)})
}

// UnmarshalJSON reads a null altitude as NaN.
func (p *Position) UnmarshalJSON(data []byte) error {
	var v struct {
		Lat  float64  `json:"lat"`
		Lon  float64  `json:"lon"`
		AltM *float64 `json:"alt_m"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*p = Position{Lat: v.Lat, Lon: v.Lon, AltM: math.NaN()}
	if v.AltM != nil {
		p.AltM = *v.AltM
	}
	return nil
}
