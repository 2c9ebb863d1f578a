package simulator

import (
	"bytes"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
)

//go:embed scenarios/*.json
var builtinScenarios embed.FS

// Duration is a time.Duration that reads "90s" or "1m30s" (or a number of seconds) from JSON.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes the duration as a string such as "1m30s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "1m30s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("duration: want a string such as \"90s\" or a number of seconds, got %s", b)
	}
	*d = Duration(f * float64(time.Second))
	return nil
}

// Scenario is a simulation set-up: vehicles, wind, ground targets and link
// faults. docs/simulator.md documents the file format.
type Scenario struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Seed        uint64        `json:"seed,omitempty"`
	Wind        Wind          `json:"wind,omitempty"`
	Vehicles    []VehicleSpec `json:"vehicles"`
	Targets     []Target      `json:"targets,omitempty"`
	// RemoteIDDrones are other drones broadcasting Remote ID (remoteid.go).
	RemoteIDDrones []RemoteIDDrone `json:"remote_id_drones,omitempty"`
	Faults         *FaultsSpec     `json:"faults,omitempty"`
}

// Wind blows FromDeg (where it comes from, as meteorologists say) at SpeedMS,
// with random gusts up to GustMS.
type Wind struct {
	SpeedMS float64 `json:"speed_m_s,omitempty"`
	FromDeg float64 `json:"from_deg,omitempty"`
	GustMS  float64 `json:"gust_m_s,omitempty"`
}

// FaultsSpec is the JSON form of Faults.
type FaultsSpec struct {
	Seed uint64         `json:"seed,omitempty"`
	Up   LinkFaultsSpec `json:"up,omitempty"`
	Down LinkFaultsSpec `json:"down,omitempty"`
}

// LinkFaultsSpec is the JSON form of LinkFaults.
type LinkFaultsSpec struct {
	Loss         float64      `json:"loss,omitempty"`
	Latency      Duration     `json:"latency,omitempty"`
	Jitter       Duration     `json:"jitter,omitempty"`
	Duplicate    float64      `json:"duplicate,omitempty"`
	Reorder      float64      `json:"reorder,omitempty"`
	ReorderDelay Duration     `json:"reorder_delay,omitempty"`
	Outages      []OutageSpec `json:"outages,omitempty"`
}

// OutageSpec is the JSON form of Outage.
type OutageSpec struct {
	Start    Duration `json:"start"`
	Duration Duration `json:"duration"`
}

func (s LinkFaultsSpec) faults() LinkFaults {
	lf := LinkFaults{Loss: s.Loss, Latency: s.Latency.D(), Jitter: s.Jitter.D(), Duplicate: s.Duplicate,
		Reorder: s.Reorder, ReorderDelay: s.ReorderDelay.D()}
	for _, o := range s.Outages {
		lf.Outages = append(lf.Outages, Outage{Start: o.Start.D(), Duration: o.Duration.D()})
	}
	return lf
}

// Faults converts the JSON form.
func (s *FaultsSpec) Faults() Faults {
	return Faults{Seed: s.Seed, Up: s.Up.faults(), Down: s.Down.faults()}
}

// VehicleSpec is one vehicle of a scenario.
type VehicleSpec struct {
	// (optional) SysID; 0 numbers the vehicles in order from the fleet's FirstSystemID.
	SysID  uint8  `json:"sysid,omitempty"`
	Flavor string `json:"flavor,omitempty"` // arducopter (default), arduplane, px4
	Home   Home   `json:"home"`
	// (optional) HeadingDeg at start.
	HeadingDeg float64 `json:"heading_deg,omitempty"`
	// (optional) Start is "ground" (default: disarmed), "armed" or "flying" (in AUTO on its mission at StartAltM).
	Start     string  `json:"start,omitempty"`
	StartAltM float64 `json:"start_alt_m,omitempty"`
	// (optional) StartSeq is the mission item a "flying" vehicle starts at.
	StartSeq int `json:"start_seq,omitempty"`
	// (optional) ReadyAfter is when the position estimate is ready (arming
	// needs it); a real ArduCopter SITL takes about 40 s. Defaults to 0.
	ReadyAfter Duration `json:"ready_after,omitempty"`
	// (optional) BatteryPct at start. Defaults to 100.
	BatteryPct float64            `json:"battery_pct,omitempty"`
	Params     map[string]float64 `json:"params,omitempty"`
	// (optional) SigningKey is 64 hex digits; the vehicle then ignores unsigned commands and signs what it sends.
	SigningKeyHex string `json:"signing_key,omitempty"`
	Camera        Camera `json:"camera,omitempty"`
	// (optional) RemoteIDReceiver puts a Remote ID receiver on the drone.
	RemoteIDReceiver *RemoteIDReceiver `json:"remote_id_receiver,omitempty"`
	Mission          []ItemSpec        `json:"mission,omitempty"`
	Fence            []FenceSpec       `json:"fence,omitempty"`
	Rally            []Home            `json:"rally,omitempty"`
	// (optional) GCS overrides the fleet's GCS address for this vehicle.
	GCS string `json:"gcs,omitempty"`

	SigningKey *[32]byte `json:"-"`
	flavor     Flavor
}

// Home is a position; AltM is above mean sea level for homes and above home for rally points.
type Home struct {
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	AltM float64 `json:"alt_m"`
}

// ItemSpec is a mission item in a readable form.
type ItemSpec struct {
	Cmd     string     `json:"cmd"` // takeoff, waypoint, loiter_unlim, loiter_time, loiter_turns, rtl, land, jump, speed, raw
	Lat     float64    `json:"lat,omitempty"`
	Lon     float64    `json:"lon,omitempty"`
	AltM    float64    `json:"alt_m,omitempty"`
	AMSL    bool       `json:"amsl,omitempty"` // altitude above mean sea level instead of above home
	HoldS   float64    `json:"hold_s,omitempty"`
	RadiusM float64    `json:"radius_m,omitempty"`
	TimeS   float64    `json:"time_s,omitempty"`
	Turns   float64    `json:"turns,omitempty"`
	Target  int        `json:"target,omitempty"` // jump: mission item index, counted from 1 as QGC shows it
	Repeat  int        `json:"repeat,omitempty"` // jump: -1 forever
	SpeedMS float64    `json:"speed_m_s,omitempty"`
	Command uint16     `json:"command,omitempty"` // raw
	Params  [4]float32 `json:"params,omitempty"`  // raw
}

// FenceSpec is one fence zone: a polygon or a circle, inclusion or exclusion.
type FenceSpec struct {
	Inclusion bool     `json:"inclusion"`
	Polygon   []LatLon `json:"polygon,omitempty"`
	Circle    *struct {
		Lat     float64 `json:"lat"`
		Lon     float64 `json:"lon"`
		RadiusM float64 `json:"radius_m"`
	} `json:"circle,omitempty"`
}

// ParseScenario reads a scenario from JSON and checks it.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrScenario, err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// LoadScenario reads a scenario file, or a built-in one by name ("demo", "crossings", …).
func LoadScenario(nameOrPath string) (*Scenario, error) {
	data, err := builtinScenarios.ReadFile("scenarios/" + nameOrPath + ".json")
	if err != nil {
		data, err = os.ReadFile(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is neither a built-in scenario (%s) nor a readable file: %v",
				ErrScenario, nameOrPath, strings.Join(BuiltinScenarios(), ", "), err)
		}
	}
	s, err := ParseScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameOrPath, err)
	}
	return s, nil
}

// BuiltinScenarios lists the scenarios compiled into the binary.
func BuiltinScenarios() []string {
	ents, _ := builtinScenarios.ReadDir("scenarios")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	return out
}

func (s *Scenario) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrScenario, fmt.Sprintf(format, args...))
	}
	if len(s.Vehicles) == 0 {
		return bad("no vehicles: give at least one under \"vehicles\"")
	}
	for i := range s.Vehicles {
		vs := &s.Vehicles[i]
		f, err := ParseFlavor(vs.Flavor)
		if err != nil {
			return bad("vehicle %d: %v", i, err)
		}
		vs.flavor = f
		if math.Abs(vs.Home.Lat) > 90 || math.Abs(vs.Home.Lon) > 180 || (vs.Home.Lat == 0 && vs.Home.Lon == 0) {
			return bad("vehicle %d: home %v,%v is not a position", i, vs.Home.Lat, vs.Home.Lon)
		}
		switch vs.Start {
		case "", "ground", "armed", "flying":
		default:
			return bad("vehicle %d: start %q: want ground, armed or flying", i, vs.Start)
		}
		if vs.Start == "flying" && vs.StartAltM <= 0 {
			return bad("vehicle %d: a flying start needs start_alt_m > 0", i)
		}
		if vs.SigningKeyHex != "" {
			k, err := hex.DecodeString(vs.SigningKeyHex)
			if err != nil || len(k) != 32 {
				return bad("vehicle %d: signing_key must be 64 hex digits", i)
			}
			vs.SigningKey = (*[32]byte)(k)
		}
		for j, it := range vs.Mission {
			if _, err := it.item(); err != nil {
				return bad("vehicle %d mission item %d: %v", i, j+1, err)
			}
		}
		for j, fz := range vs.Fence {
			if (len(fz.Polygon) >= 3) == (fz.Circle != nil) {
				return bad("vehicle %d fence zone %d: give either a polygon of 3+ points or a circle", i, j)
			}
		}
		if vs.Camera.Sensor != "" && vs.Camera.Sensor != "eo" && vs.Camera.Sensor != "ir" {
			return bad("vehicle %d: camera sensor %q: want eo or ir", i, vs.Camera.Sensor)
		}
	}
	seen := map[uint32]bool{}
	for i, t := range s.Targets {
		if _, ok := targetClasses[t.Class]; !ok {
			return bad("target %d: class %q: want person, vehicle, boat or animal", i, t.Class)
		}
		if len(t.Path) == 0 || t.SpeedMS < 0 {
			return bad("target %d: needs a path and a speed >= 0", i)
		}
		if t.CrossPoint != nil && t.SpeedMS <= 0 {
			return bad("target %d: cross_point needs a speed > 0", i)
		}
		if t.ID == 0 || seen[t.ID] {
			return bad("target %d: id must be unique and > 0 (it is the track id)", i)
		}
		seen[t.ID] = true
	}
	for i := range s.RemoteIDDrones {
		if err := s.RemoteIDDrones[i].check(); err != nil {
			return bad("remote_id_drones %d: %v", i, err)
		}
	}
	return nil
}

// item converts the readable form into a wire item (relative-altitude frame
// unless AMSL). Jump targets count from 1, as in QGC; the vehicle's own
// numbering is applied by missionItems.
func (it ItemSpec) item() (item, error) {
	frame := uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
	if it.AMSL {
		frame = uint8(common.MAV_FRAME_GLOBAL_INT)
	}
	loc := item{Frame: frame, Autocontinue: 1, X: int32(math.Round(it.Lat * 1e7)), Y: int32(math.Round(it.Lon * 1e7)), Z: float32(it.AltM)}
	switch it.Cmd {
	case "takeoff":
		loc.Command = uint16(common.MAV_CMD_NAV_TAKEOFF)
		loc.X, loc.Y = 0, 0
	case "waypoint":
		loc.Command, loc.P1, loc.P2 = uint16(common.MAV_CMD_NAV_WAYPOINT), float32(it.HoldS), float32(it.RadiusM)
	case "loiter_unlim":
		loc.Command, loc.P3 = uint16(common.MAV_CMD_NAV_LOITER_UNLIM), float32(it.RadiusM)
	case "loiter_time":
		loc.Command, loc.P1, loc.P3 = uint16(common.MAV_CMD_NAV_LOITER_TIME), float32(it.TimeS), float32(it.RadiusM)
	case "loiter_turns":
		loc.Command, loc.P1, loc.P3 = uint16(common.MAV_CMD_NAV_LOITER_TURNS), float32(it.Turns), float32(it.RadiusM)
	case "land":
		loc.Command = uint16(common.MAV_CMD_NAV_LAND)
	case "rtl":
		return item{Command: uint16(common.MAV_CMD_NAV_RETURN_TO_LAUNCH), Frame: uint8(common.MAV_FRAME_MISSION), Autocontinue: 1}, nil
	case "jump":
		if it.Target < 1 {
			return item{}, fmt.Errorf("jump needs target >= 1")
		}
		return item{Command: uint16(common.MAV_CMD_DO_JUMP), Frame: uint8(common.MAV_FRAME_MISSION), Autocontinue: 1,
			P1: float32(it.Target), P2: float32(it.Repeat)}, nil
	case "speed":
		if it.SpeedMS <= 0 {
			return item{}, fmt.Errorf("speed needs speed_m_s > 0")
		}
		return item{Command: uint16(common.MAV_CMD_DO_CHANGE_SPEED), Frame: uint8(common.MAV_FRAME_MISSION), Autocontinue: 1,
			P1: 1, P2: float32(it.SpeedMS), P3: -1}, nil
	case "raw":
		loc.Command = it.Command
		loc.P1, loc.P2, loc.P3, loc.P4 = it.Params[0], it.Params[1], it.Params[2], it.Params[3]
	default:
		return item{}, fmt.Errorf("cmd %q: want takeoff, waypoint, loiter_unlim, loiter_time, loiter_turns, rtl, land, jump, speed or raw", it.Cmd)
	}
	if it.Cmd != "takeoff" && it.Cmd != "land" && it.Cmd != "raw" && loc.X == 0 && loc.Y == 0 {
		return item{}, fmt.Errorf("%s needs lat and lon", it.Cmd)
	}
	return loc, nil
}

// load puts the scenario's mission, fence and rally points on a vehicle, as an upload would.
func (v *vehicle) load() {
	var mission []item
	for _, is := range v.spec.Mission {
		it, _ := is.item()
		if it.Command == uint16(common.MAV_CMD_DO_JUMP) && v.flavor.ardupilot() {
			// QGC numbering counts from 1 without home; ArduPilot's seq 0 is home, so item n is seq n.
		} else if it.Command == uint16(common.MAV_CMD_DO_JUMP) {
			it.P1-- // PX4 counts from 0
		}
		res := common.MAV_MISSION_ACCEPTED
		it, res = v.itemFromWire(missionTypeMission, it.Frame, it.Command, [4]float32{it.P1, it.P2, it.P3, it.P4}, it.X, it.Y, it.Z, 1)
		if res == common.MAV_MISSION_ACCEPTED {
			mission = append(mission, it)
		}
	}
	v.replaceList(missionTypeMission, mission)
	var fence []item
	for _, fz := range v.spec.Fence {
		if fz.Circle != nil {
			cmd := uint16(5004)
			if fz.Inclusion {
				cmd = 5003
			}
			fence = append(fence, item{Command: cmd, Frame: uint8(common.MAV_FRAME_GLOBAL), Autocontinue: 1, P1: float32(fz.Circle.RadiusM),
				X: int32(math.Round(fz.Circle.Lat * 1e7)), Y: int32(math.Round(fz.Circle.Lon * 1e7))})
			continue
		}
		cmd := uint16(5002)
		if fz.Inclusion {
			cmd = 5001
		}
		for _, p := range fz.Polygon {
			fence = append(fence, item{Command: cmd, Frame: uint8(common.MAV_FRAME_GLOBAL), Autocontinue: 1, P1: float32(len(fz.Polygon)),
				X: int32(math.Round(p.Lat * 1e7)), Y: int32(math.Round(p.Lon * 1e7))})
		}
	}
	v.replaceList(missionTypeFence, fence)
	var rally []item
	for _, r := range v.spec.Rally {
		rally = append(rally, item{Command: uint16(common.MAV_CMD_NAV_RALLY_POINT), Frame: uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT),
			Autocontinue: 1, X: int32(math.Round(r.Lat * 1e7)), Y: int32(math.Round(r.Lon * 1e7)), Z: float32(r.AltM)})
	}
	v.replaceList(missionTypeRally, rally)
}
