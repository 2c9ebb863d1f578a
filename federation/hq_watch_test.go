package federation

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// collector takes everything a watcher is given, in order, the way a
// client that keeps up would.
type collector struct {
	w         *Watcher
	mu        sync.Mutex
	vehicles  []map[string]any
	events    []RemoteEvent
	coalesced uint64
	overrun   bool
}

func (c *collector) take(t *testing.T) {
	t.Helper()
	b := c.w.Take()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, enc := range b.Vehicles {
		var m map[string]any
		if err := json.Unmarshal(enc, &m); err != nil {
			t.Fatalf("a watched vehicle is not JSON: %v: %s", err, enc)
		}
		c.vehicles = append(c.vehicles, m)
	}
	for _, enc := range b.Events {
		var e RemoteEvent
		if err := json.Unmarshal(enc, &e); err != nil {
			t.Fatalf("a watched event is not JSON: %v: %s", err, enc)
		}
		c.events = append(c.events, e)
	}
	c.coalesced, c.overrun = b.Coalesced, b.Overrun
}

func (c *collector) last(key string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.vehicles) - 1; i >= 0; i-- {
		if c.vehicles[i]["key"] == key {
			return c.vehicles[i]
		}
	}
	return nil
}

// A watcher gets each state as the HQ applies it, the alerts and
// detections it asked for (not mode changes), and the moment a vehicle
// turns stale by the HQ's injected clock — with link_ok false — then live
// again with its next state.
func TestHQ_Watch_StatesEventsAndStaleTransition(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk)
	hq := startHQ(t, ns.ClientURL(), clk, nil)
	c := &collector{w: hq.Watch(TypeAlert, TypeDetection)}
	defer c.w.Close()

	hub.Publish(decode.VehicleState{ID: 3, SysID: 3, Autopilot: "px4", Mode: "AUTO_MISSION", Armed: true, LinkOK: true, Lat: 31.35, Lon: -110.95, BatteryPct: 80, Time: clk.Now()})
	hub.Publish(telemetry.ModeChange{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 3}, From: "LOITER", To: "AUTO_MISSION"})
	hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 3}, TrackID: 7, Class: "person", ConfidencePct: 90})
	hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 3}, Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityWarning, Text: "battery 20 %"})
	testenv.Eventually(t, 10*time.Second, "the state, the detection and the alert through the watcher", func() bool {
		c.take(t)
		v := c.last("east/3")
		c.mu.Lock()
		defer c.mu.Unlock()
		return v != nil && len(c.events) == 2
	})
	v := c.last("east/3")
	if v["stale"] != false || v["station"] != "east" || v["mode"] != "AUTO_MISSION" || v["armed"] != true || v["link_ok"] != true {
		t.Fatalf("watched vehicle %v, want east/3 live in AUTO_MISSION, armed", v)
	}
	if c.events[0].Type != TypeDetection || c.events[1].Type != TypeAlert || c.events[0].Station != "east" || c.events[1].Seq <= c.events[0].Seq {
		t.Fatalf("watched events %+v, want the detection then the alert of east (no mode change)", c.events)
	}

	// Nothing more from the station: past StaleAfter by the HQ's clock, the
	// watcher is told the drone is stale, never live.
	clk.Advance(6 * time.Second)
	hq.CheckStale()
	c.take(t)
	v = c.last("east/3")
	if v["stale"] != true || v["link_ok"] != false || v["age_s"].(float64) < 6 {
		t.Fatalf("after 6 s without a state the watcher shows %v, want stale with link_ok false and age ≥ 6 s", v)
	}
	// A stale vehicle's age is sent again at each check (the UI counts it up).
	clk.Advance(2 * time.Second)
	hq.CheckStale()
	c.take(t)
	if v = c.last("east/3"); v["age_s"].(float64) < 8 {
		t.Fatalf("a stale vehicle's age not sent again: %v", v)
	}
	// Its next state makes it live again.
	hub.Publish(decode.VehicleState{ID: 3, SysID: 3, Autopilot: "px4", Mode: "AUTO_RTL", Armed: true, LinkOK: true, Lat: 31.36, Lon: -110.95, Time: clk.Now()})
	testenv.Eventually(t, 10*time.Second, "the drone live again through the watcher", func() bool {
		c.take(t)
		v := c.last("east/3")
		return v["stale"] == false && v["mode"] == "AUTO_RTL"
	})
	// A live vehicle already announced is not sent again by the check.
	hq.CheckStale()
	if b := c.w.Take(); len(b.Vehicles) != 0 {
		t.Fatalf("a live vehicle announced again by the stale check: %s", b.Vehicles)
	}
}

// A watcher that is not taken from never holds a vehicle twice (the newer
// state replaces the older and is counted as coalesced) and, past
// WatchEventBacklog events, says it is overrun instead of growing; another
// watcher taking as it goes gets every event in order. The view is fed
// here as its consumers feed it (the NATS path is the test above's), so
// that the burst of events is exact.
func TestHQ_Watch_SlowWatcherCoalescedAndOverrun(t *testing.T) {
	clk := newFakeClock()
	hq := &HQ{StaleAfter: 5 * time.Second, Clock: clk.Now, vehicles: map[vehicleKey]*remoteVehicle{}}
	slow := hq.Watch(TypeDetection)
	defer slow.Close()
	fast := &collector{w: hq.Watch(TypeDetection)}
	defer fast.w.Close()

	k := vehicleKey{"east", 1}
	for i := range 3 {
		hq.mu.Lock()
		hq.vehicles[k] = &remoteVehicle{sent: clk.Now(), received: clk.Now(), state: json.RawMessage(fmt.Sprintf(`{"id":1,"battery_pct":%d}`, 50+i))}
		hq.notifyVehicleLocked(k, clk.Now())
		hq.mu.Unlock()
		fast.take(t)
		if v := fast.last("east/1"); v == nil || v["battery_pct"] != float64(50+i) {
			t.Fatalf("the fast watcher has %v, want battery %d", v, 50+i)
		}
		clk.Advance(time.Second)
	}
	const n = WatchEventBacklog + 20
	for i := range n {
		hq.notifyEvents("east", []Event{{Seq: uint64(i + 1), Type: TypeDetection, Vehicle: 1, Time: clk.Now(), Data: json.RawMessage(`{"track_id":1}`)}})
		if i%7 == 0 {
			fast.take(t)
		}
	}
	fast.take(t)
	if len(fast.events) != n {
		t.Fatalf("the fast watcher got %d events, want %d", len(fast.events), n)
	}
	for i, e := range fast.events {
		if e.Seq != uint64(i+1) || e.Station != "east" {
			t.Fatalf("fast watcher's event %d is %s/%d: out of order or lost", i, e.Station, e.Seq)
		}
	}
	if fast.overrun {
		t.Fatal("a watcher that kept up was overrun")
	}

	b := slow.Take()
	if len(b.Vehicles) != 1 || b.Coalesced != 2 {
		t.Fatalf("slow watcher holds %d states (coalesced %d), want the latest of one vehicle and 2 coalesced", len(b.Vehicles), b.Coalesced)
	}
	var v map[string]any
	json.Unmarshal(b.Vehicles[0], &v)
	if v["battery_pct"] != 52.0 {
		t.Fatalf("slow watcher's state has battery %v, want the latest 52", v["battery_pct"])
	}
	if !b.Overrun || len(b.Events) != WatchEventBacklog {
		t.Fatalf("slow watcher: overrun %v with %d events, want overrun with %d", b.Overrun, len(b.Events), WatchEventBacklog)
	}
	if s := hq.WatchStats(); s.Watchers != 2 || s.Overruns != 1 || s.Coalesced != 2 {
		t.Fatalf("watch stats %+v", s)
	}
	// Closed, it gets nothing more.
	slow.Close()
	hq.notifyEvents("east", []Event{{Seq: n + 1, Type: TypeDetection, Data: json.RawMessage(`{}`)}})
	if b := slow.Take(); len(b.Events) != 0 || hq.WatchStats().Watchers != 1 {
		t.Fatalf("a closed watcher still gets events: %d", len(b.Events))
	}
}
