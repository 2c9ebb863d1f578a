// Package demo is `borderwatch demo`'s scenario: Borderwatch plans border
// corridor legs for a mixed simulated fleet with its own planner, uploads
// each drone's plan (fence, rally points, mission) through the ground
// station's verified upload, and launches the drones through the same
// command path the HTTP API uses. The simulator supplies the drones, the
// intruders crossing the border and the detection sensor. cmd/borderwatch
// only starts the server and calls this package.
package demo

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/borderwatch/borderwatch/simulator"
)

// BorderLayerID and TerritoryLayerID are the ids the demo's layers have on
// the server, so the corridor planner and the map name the same layer.
const (
	BorderLayerID    = "demo-border"
	TerritoryLayerID = "demo-territory"
)

// Layers parses the demo's embedded border and own-territory sketches.
func Layers() (border, territory *missions.Layer, err error) {
	border, err = missions.ParseGeoJSONLayer(demodata.NogalesBorder, BorderLayerID, "US–Mexico border (Nogales, demo sketch)", missions.LayerBorder)
	if err != nil {
		return nil, nil, err
	}
	territory, err = missions.ParseGeoJSONLayer(demodata.NogalesTerritory, TerritoryLayerID, "US side (demo sketch)", missions.LayerOwnTerritory)
	if err != nil {
		return nil, nil, err
	}
	return border, territory, nil
}

// lookup is the planner's LayerLookup over the demo's border only.
func lookup(ref string, kind missions.LayerKind) (*missions.Layer, error) {
	if ref != BorderLayerID {
		return nil, fmt.Errorf("demo: no layer %q (the demo knows only %q)", ref, BorderLayerID)
	}
	return missions.ParseLayer(demodata.NogalesBorder, ref, "US–Mexico border (Nogales, demo sketch)", kind)
}

// groundAltM is the ground's altitude at the demo's launch sites (Nogales,
// Arizona lies about 1180 m above sea level).
const groundAltM = 1180.0

// Drone is one drone of the demo: its simulated autopilot, its launch site
// and the corridor leg the planner gave it.
type Drone struct {
	SysID  uint8
	Flavor string // arducopter, arduplane or px4 (simulator flavour names)
	Site   planner.Site
	// Plan is the drone's first leg (Legs[0].Plan).
	Plan *missions.Plan
	// PlanName is the planner's name of the leg ("ardupilot copters d1" …).
	PlanName string
	// Legs are all the legs the planner gave the drone, in the order it
	// flies them (DroneSummary.Legs); it patrols them round and round.
	Legs []Leg
	// LowBattery marks the drone whose battery starts low so that it reaches
	// its battery failsafe within the first minutes.
	LowBattery bool

	spec simulator.VehicleSpec
}

// Leg is one of a drone's planned legs: a sortie from its site along a
// stretch of the corridor and back, with its own fence and rally points.
type Leg struct {
	Name string
	Plan *missions.Plan
}

// group is one corridor request: drones of one airframe and firmware over
// one section of the border, each from its own site.
type group struct {
	name, flavor, vehicleType, firmware string
	from, to                            planner.LatLon
	sites                               []planner.LatLon
	camera                              simulator.Camera
	// ridRangeM puts a Remote ID receiver on the group's first drone.
	ridRangeM float64
}

// groups: two ArduCopters on the western stretch by Nogales, a PX4 copter
// on the eastern one, and an ArduPlane over both. The copters' sites are
// 1.4 km north of the border (US side), by the places where the simulator's
// intruders walk and drive (simulator/scenarios/demo.json), so that a
// newcomer sees a detection within the first minute.
var groups = []group{
	{name: "ArduCopter patrol", flavor: "arducopter", vehicleType: "copter", firmware: "ardupilot",
		from: planner.LatLon{Lat: 31.3322, Lon: -111.00}, to: planner.LatLon{Lat: 31.3322, Lon: -110.90},
		sites:  []planner.LatLon{{Lat: 31.3450, Lon: -110.9720}, {Lat: 31.3450, Lon: -110.9300}},
		camera: simulator.Camera{FOVDeg: 90, RangeM: 700}, ridRangeM: 2500},
	{name: "PX4 patrol", flavor: "px4", vehicleType: "copter", firmware: "px4",
		from: planner.LatLon{Lat: 31.3322, Lon: -110.93}, to: planner.LatLon{Lat: 31.3322, Lon: -110.86},
		sites:  []planner.LatLon{{Lat: 31.3450, Lon: -110.8900}},
		camera: simulator.Camera{FOVDeg: 90, RangeM: 700, Sensor: "ir"}},
	{name: "ArduPlane patrol", flavor: "arduplane", vehicleType: "plane", firmware: "ardupilot",
		from: planner.LatLon{Lat: 31.3322, Lon: -111.02}, to: planner.LatLon{Lat: 31.3322, Lon: -110.86},
		sites:  []planner.LatLon{{Lat: 31.3600, Lon: -110.9500}},
		camera: simulator.Camera{FOVDeg: 60, RangeM: 900}, ridRangeM: 3000},
}

// shifted is the group moved east by lonDeg along the border (its own
// copy: groups stays as written).
func (g group) shifted(lonDeg float64) group {
	g.from.Lon += lonDeg
	g.to.Lon += lonDeg
	sites := make([]planner.LatLon, len(g.sites))
	for i, s := range g.sites {
		sites[i] = planner.LatLon{Lat: s.Lat, Lon: s.Lon + lonDeg}
	}
	g.sites = sites
	return g
}

// Low battery: the second ArduCopter starts at 23 % of 10 000 mAh. With
// BATT_LOW_MAH 2000 it crosses ArduPilot's low-battery threshold after about
// 300 mAh, some 40 s into its flight (the simulator's copter draws 18–28 A),
// and BATT_FS_LOW_ACT 2 makes it return (RTL): the newcomer's first alert. ArduPilot: libraries/AP_BattMonitor/AP_BattMonitor.cpp
// (check_failsafes: remaining mAh below BATT_LOW_MAH raises the low failsafe)
// and ArduCopter/events.cpp (Copter::handle_battery_failsafe applies
// BATT_FS_LOW_ACT, 2 = RTL), as ArduPilot's wiki states it
// (ardupilot_wiki copter/source/docs/failsafe-battery.rst: remaining
// capacity below BATT_LOW_MAH triggers BATT_FS_LOW_ACT); the simulator
// follows them in simulator/safety.go.
// 23 % stays above the simulator's 20 % arming floor.
const (
	lowBatteryDrone = 2
	lowBatteryPct   = 23
)

// PlanFleet plans every group's corridor with the planner (as
// POST /api/v1/routes/corridor does) and gives each drone the legs the
// planner assigned it, numbering system ids from 1.
func PlanFleet(now time.Time) ([]Drone, error) { return PlanStretch(now, 0) }

// EastStretchLonDeg moves a patrol to the stretch of the demo's border east
// of Nogales: 0.2° of longitude (about 19 km at 31.33° N), where the
// sketched border still runs due east along 31.3322° N (it does so from
// -111.0743° to -110.5°), so every corridor, site and fence keeps its shape
// and its side of the border. `demo --federation` flies its second station
// there so that the two stations' fleets do not overlap on the HQ's map.
const EastStretchLonDeg = 0.2

// PlanStretch is PlanFleet with every group's corridor and launch sites moved
// shiftLonDeg degrees of longitude east along the border.
func PlanStretch(now time.Time, shiftLonDeg float64) ([]Drone, error) {
	var out []Drone
	alt := groundAltM
	for _, g := range groups {
		g = g.shifted(shiftLonDeg)
		req := planner.CorridorRequest{BorderLayer: BorderLayerID, Side: "left", From: &g.from, To: &g.to,
			Drones: len(g.sites), VehicleType: g.vehicleType, Firmware: g.firmware, Name: "demo " + g.name}
		for i, s := range g.sites {
			req.Sites = append(req.Sites, planner.Site{Name: fmt.Sprintf("%s site %d", g.name, i+1), Lat: s.Lat, Lon: s.Lon, AltAMSLM: &alt})
		}
		res, err := planner.Corridor(req, lookup, now)
		if err != nil {
			return nil, fmt.Errorf("demo: planning the %s: %w", g.name, err)
		}
		for _, ds := range res.Summary.Drones {
			var legs []Leg
			for _, n := range ds.Legs {
				for i := range res.Plans {
					if res.Plans[i].Drone == ds.Drone && res.Plans[i].Leg == n {
						legs = append(legs, Leg{Name: req.Name + " " + res.Plans[i].Name, Plan: res.Plans[i].Plan})
						break
					}
				}
			}
			if len(legs) == 0 || len(legs) != len(ds.Legs) {
				return nil, fmt.Errorf("demo: the planner gave the %s's drone %d legs %v but %d plans for them", g.name, ds.Drone, ds.Legs, len(legs))
			}
			d := Drone{SysID: uint8(len(out) + 1), Flavor: g.flavor, Plan: legs[0].Plan, PlanName: legs[0].Name, Legs: legs,
				Site: planner.Site{Name: ds.Site, Lat: ds.Lat, Lon: ds.Lon, AltAMSLM: &alt}}
			d.LowBattery = int(d.SysID) == lowBatteryDrone
			var rid *simulator.RemoteIDReceiver
			if g.ridRangeM > 0 && ds.Drone == 1 {
				// It relays the Remote ID drones of the built-in scenario
				// (simulator/remoteid.go) to the ground station.
				rid = &simulator.RemoteIDReceiver{RangeM: g.ridRangeM}
			}
			d.spec = simulator.VehicleSpec{SysID: d.SysID, Flavor: g.flavor,
				Home:   simulator.Home{Lat: ds.Lat, Lon: ds.Lon, AltM: groundAltM},
				Camera: g.camera, RemoteIDReceiver: rid,
				// The GCS failsafe must not end the demo when the machine
				// stalls the server for a moment: continue in AUTO (2).
				Params: map[string]float64{"FS_GCS_ENABLE": 2}}
			if d.LowBattery {
				d.spec.BatteryPct = lowBatteryPct
				d.spec.Params["BATT_CAPACITY"] = 10000
				d.spec.Params["BATT_LOW_MAH"] = 2000
				d.spec.Params["BATT_FS_LOW_ACT"] = 2 // RTL
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// Scenario is the simulator scenario of the demo: the built-in "demo"
// scenario's wind and intruders (people and vehicles crossing the border,
// simulator/scenarios/demo.json) with the planned drones on the ground at
// their sites, holding no mission until Borderwatch uploads one.
func Scenario(drones []Drone) (*simulator.Scenario, error) { return ScenarioStretch(drones, 0) }

// ScenarioStretch is Scenario on the stretch shiftLonDeg degrees of
// longitude east of Nogales, for drones planned there (PlanStretch with the
// same shift): the built-in scenario's intruders and Remote ID drones
// (their paths, crossing points and pilots) move east with the fleet, so
// that a station flying that stretch sees crossings of its own, not
// Nogales'. Only what is not ours moves by hand: the fleet's plans come
// from the planner, which keeps them on our side of the border.
func ScenarioStretch(drones []Drone, shiftLonDeg float64) (*simulator.Scenario, error) {
	sc, err := simulator.LoadScenario("demo")
	if err != nil {
		return nil, err
	}
	sc.Description = "Borderwatch's demo: a mixed fleet on the ground at its launch sites, launched by Borderwatch on planned corridor legs; intruders cross the border."
	shiftIntruders(sc, shiftLonDeg)
	sc.Vehicles = nil
	for _, d := range drones {
		sc.Vehicles = append(sc.Vehicles, d.spec)
	}
	// A person who crossed the border walks north past the first copter's
	// launch site just as it reaches its patrol altitude: the camera looks
	// straight down (its footprint is about its height), so the newcomer's
	// first detection comes within the first minute, not when a patrol leg
	// happens to pass a crossing.
	if len(drones) > 0 {
		s := drones[0].Site
		sc.Targets = append(sc.Targets, simulator.Target{ID: 107, Class: "person", SpeedMS: 1.3, Loop: true,
			Path:       []simulator.LatLon{{Lat: 31.3290, Lon: s.Lon}, {Lat: s.Lat + 0.006, Lon: s.Lon}, {Lat: 31.3290, Lon: s.Lon}},
			CrossPoint: &simulator.LatLon{Lat: s.Lat, Lon: s.Lon}, CrossAt: simulator.Duration(50 * time.Second)})
	}
	// The drones broadcasting Remote ID (sc.RemoteIDDrones) come with the
	// built-in scenario: one crosses the border within the first minutes,
	// heard by the receivers on the first ArduCopter and the ArduPlane.
	return sc, nil
}

// shiftIntruders moves the scenario's intruders and Remote ID drones
// lonDeg degrees of longitude east (new slices: the loaded scenario is
// the caller's own copy, but its points must not alias another's). The
// sketched border runs due east along 31.3322° N over the stretches the
// demo uses (EastStretchLonDeg), so each crossing stays a crossing.
func shiftIntruders(sc *simulator.Scenario, lonDeg float64) {
	if lonDeg == 0 {
		return
	}
	path := func(p []simulator.LatLon) []simulator.LatLon {
		out := make([]simulator.LatLon, len(p))
		for i, q := range p {
			out[i] = simulator.LatLon{Lat: q.Lat, Lon: q.Lon + lonDeg}
		}
		return out
	}
	point := func(p *simulator.LatLon) *simulator.LatLon {
		if p == nil {
			return nil
		}
		return &simulator.LatLon{Lat: p.Lat, Lon: p.Lon + lonDeg}
	}
	for i := range sc.Targets {
		t := &sc.Targets[i]
		t.Path, t.CrossPoint = path(t.Path), point(t.CrossPoint)
	}
	for i := range sc.RemoteIDDrones {
		d := &sc.RemoteIDDrones[i]
		d.Path, d.CrossPoint, d.Operator = path(d.Path), point(d.CrossPoint), point(d.Operator)
	}
}

// StretchBound is where the scenario on the stretch shiftLonDeg degrees of
// longitude east of Nogales lies: the ends of the fleet's corridors (its
// drones patrol between them), its launch sites, and every intruder's and
// Remote ID drone's path, crossing point and pilot. The stretches
// `demo --federation` uses (0 and EastStretchLonDeg) are some 4 km apart,
// so a position a station reports tells whose scenario it belongs to.
func StretchBound(now time.Time, shiftLonDeg float64) (orb.Bound, error) {
	drones, err := PlanStretch(now, shiftLonDeg)
	if err != nil {
		return orb.Bound{}, err
	}
	sc, err := ScenarioStretch(drones, shiftLonDeg)
	if err != nil {
		return orb.Bound{}, err
	}
	first := true
	var b orb.Bound
	add := func(lat, lon float64) {
		p := orb.Point{lon, lat}
		if first {
			b, first = p.Bound(), false
			return
		}
		b = b.Extend(p)
	}
	for _, g := range groups {
		g = g.shifted(shiftLonDeg)
		add(g.from.Lat, g.from.Lon)
		add(g.to.Lat, g.to.Lon)
	}
	for _, d := range drones {
		add(d.Site.Lat, d.Site.Lon)
	}
	addPath := func(path []simulator.LatLon, points ...*simulator.LatLon) {
		for _, p := range path {
			add(p.Lat, p.Lon)
		}
		for _, p := range points {
			if p != nil {
				add(p.Lat, p.Lon)
			}
		}
	}
	for _, t := range sc.Targets {
		addPath(t.Path, t.CrossPoint)
	}
	for _, d := range sc.RemoteIDDrones {
		addPath(d.Path, d.CrossPoint, d.Operator)
	}
	return b, nil
}
