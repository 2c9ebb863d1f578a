package simulator

import "math"

// VehicleStatus is a snapshot of one simulated vehicle, copied out of the fleet's loop.
type VehicleStatus struct {
	SysID         uint8
	GCS           string
	Flavor        string
	Mode          string
	Armed         bool
	Landed        bool
	Lat, Lon      float64
	AltM          float64 // AMSL
	RelAltM       float64
	GroundspeedMS float64
	BatteryPct    float64
	MissionSeq    int
	Detections    uint64
	FenceBreached bool
	// FenceEnabled is whether the vehicle enforces its fence now
	// (FENCE_ENABLE, or DO_FENCE_ENABLE's run-time override).
	FenceEnabled bool
	// CruiseMS is the horizontal speed target DO_CHANGE_SPEED last set
	// (the flavour's default before).
	CruiseMS float64
}

// LinkStatus counts what one link's faults did, per direction.
type LinkStatus struct {
	GCS         string
	Up, Down    PipeStats
	WriteErrors uint64
}

// Status returns a snapshot of every vehicle (nil after Close).
func (f *Fleet) Status() []VehicleStatus {
	var out []VehicleStatus
	_ = f.do(func() {
		for _, v := range f.vehicles {
			out = append(out, VehicleStatus{SysID: v.id, GCS: v.link.url, Flavor: v.flavor.String(), Mode: v.flavor.ModeName(v.custom),
				Armed: v.armed, Landed: v.landed, Lat: v.lat, Lon: v.lon, AltM: v.alt, RelAltM: v.alt - v.home.alt,
				GroundspeedMS: math.Hypot(v.vn, v.ve), BatteryPct: v.batt.remainingFrac() * 100, MissionSeq: v.nav.cur,
				Detections: v.Stats.Detections, FenceBreached: v.fence.breached,
				FenceEnabled: v.fence.enabled(v), CruiseMS: v.cruise})
		}
	})
	return out
}

// LinkStatus returns the fault counters of every link.
func (f *Fleet) LinkStatus() []LinkStatus {
	var out []LinkStatus
	_ = f.do(func() {
		for _, l := range f.links {
			out = append(out, LinkStatus{GCS: l.url, Up: l.up.Stats, Down: l.down.Stats, WriteErrors: l.writeErrs})
		}
	})
	return out
}

// InboundDrops counts datagrams from the GCS dropped because the fleet's loop was behind.
func (f *Fleet) InboundDrops() uint64 { return f.inDrops.Load() }
