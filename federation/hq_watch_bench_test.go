package federation

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// BenchmarkHQ_Watch_StateTo100Watchers is the HQ's cost of one station
// state with 100 /ws/federation clients watching: encoded once, put in
// each client's mailbox (coalesced there), the clients taking every 64
// states as a writer would.
func BenchmarkHQ_Watch_StateTo100Watchers(b *testing.B) {
	clk := newFakeClock()
	hq := &HQ{StaleAfter: 5 * time.Second, Clock: clk.Now, vehicles: map[vehicleKey]*remoteVehicle{}}
	ws := make([]*Watcher, 100)
	for i := range ws {
		ws[i] = hq.Watch(TypeAlert, TypeDetection)
	}
	const fleet = 1000
	stations := make([]string, 8)
	for i := range stations {
		stations[i] = fmt.Sprint("s", i)
	}
	state := json.RawMessage(`{"id":1,"sysid":1,"autopilot":"ardupilot","vehicle_type":"multirotor","mode":"AUTO","armed":true,"lat":31.35,"lon":-110.95,"alt_m":1300,"rel_alt_m":120,"heading_deg":90,"groundspeed_m_s":12,"battery_pct":80,"link_ok":true,"mission_seq":4,"has_position":true}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := vehicleKey{stations[i%8], telemetry.VehicleID(i%fleet + 1)}
		hq.mu.Lock()
		hq.vehicles[k] = &remoteVehicle{sent: clk.Now(), received: clk.Now(), state: state}
		hq.notifyVehicleLocked(k, clk.Now())
		hq.mu.Unlock()
		if i%64 == 63 {
			for _, w := range ws {
				w.Take()
			}
		}
	}
}
