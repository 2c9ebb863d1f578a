package decode

import (
	"slices"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Census applies the admission rule to a whole recording read at once (a
// tlog import), where live and replay apply it frame by frame (Table). A
// system is a vehicle when it sent an autopilot's HEARTBEAT (Admits), as
// live. A recording that holds no such heartbeat at all (a fragment cut from
// a longer log, or a log that begins after the last heartbeat was missed)
// would then have no vehicle and lose its flight, so there the rule widens:
// every system with a verified frame (a known message whose checksum
// checked) that never sent a ground station's or a component's heartbeat is
// a vehicle. Frames of unknown messages cannot be checked, and noise read as
// records names random systems: they never make a vehicle.
//
// The zero value is ready to use. It is not safe for concurrent use.
type Census struct {
	systems map[telemetry.VehicleID]*censusEntry
	// autopilots counts systems that sent an admitted heartbeat.
	autopilots int
}

type censusEntry struct {
	autopilot bool // sent an autopilot's heartbeat
	other     bool // sent a heartbeat Admits refuses (a GCS, a component)
	verified  bool // sent a frame whose checksum the dialect verified
}

func (c *Census) entry(id telemetry.VehicleID) *censusEntry {
	if c.systems == nil {
		c.systems = map[telemetry.VehicleID]*censusEntry{}
	}
	e := c.systems[id]
	if e == nil {
		e = &censusEntry{}
		c.systems[id] = e
	}
	return e
}

// Frame notes one frame of the system id; verified says its message is known to the
// dialect and its checksum checked (mavwire's Frame.Known).
func (c *Census) Frame(id telemetry.VehicleID, verified bool) {
	e := c.entry(id)
	e.verified = e.verified || verified
}

// Heartbeat notes one HEARTBEAT of the system id (after Frame for the same frame).
func (c *Census) Heartbeat(id telemetry.VehicleID, hb *common.MessageHeartbeat) {
	e := c.entry(id)
	if !Admits(hb) {
		e.other = true
		return
	}
	if !e.autopilot {
		e.autopilot = true
		c.autopilots++
	}
}

// Vehicles are the systems the rule admits, and others the rest of the
// systems heard (their frames belong with the vehicles' as companions, e.g.
// the ground station's), both sorted.
func (c *Census) Vehicles() (vehicles, others []telemetry.VehicleID) {
	for id, e := range c.systems {
		if c.vehicle(e) {
			vehicles = append(vehicles, id)
		} else {
			others = append(others, id)
		}
	}
	slices.Sort(vehicles)
	slices.Sort(others)
	return vehicles, others
}

func (c *Census) vehicle(e *censusEntry) bool {
	if c.autopilots > 0 {
		return e.autopilot
	}
	return e.verified && !e.other
}
