package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// liveHeld is what a compact client holds of each vehicle: the whole
// states it was sent, with the motion forms merged into them (as the
// browser's fleet.js does).
type liveHeld map[liveID]map[string]any

// apply takes one vehicle object of a "vehicles" message and returns the
// vehicle's state as the client now holds it.
func (h liveHeld) apply(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	id := liveID(m["id"].(float64))
	if m["motion"] == true {
		held := h[id]
		if held == nil {
			t.Fatalf("a motion update of vehicle %d before any whole state of it: %s", id, b)
		}
		delete(m, "motion")
		next := maps.Clone(held)
		maps.Copy(next, m)
		m = next
	}
	h[id] = m
	return m
}

func jsonMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// flightStates is a vehicle's stream as the fleet publishes it: a position
// every 100 ms, a mode change now and then, a status text, the battery
// going down, a GPS fix change.
func flightStates(id liveID, n int, t0 time.Time) []gcs.VehicleState {
	st := gcs.NewVehicleState(id)
	var out []gcs.VehicleState
	hb := func(mode uint32, armed bool) *common.MessageHeartbeat {
		m := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
			BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: mode, SystemStatus: common.MAV_STATE_ACTIVE}
		if armed {
			m.BaseMode |= common.MAV_MODE_FLAG_SAFETY_ARMED
		}
		return m
	}
	for i := range n {
		now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		switch {
		case i == 0:
			st.Update(hb(5, false), 1, now, nil)
		case i%40 == 0:
			st.Update(hb(uint32(3+i/40%3), true), 1, now, nil)
		case i%33 == 0:
			st.Update(&common.MessageStatustext{Severity: common.MAV_SEVERITY_INFO, Text: fmt.Sprintf("Reached waypoint #%d", i/33)}, 1, now, nil)
		case i%25 == 0:
			st.Update(&common.MessageSysStatus{BatteryRemaining: int8(100 - i/25), VoltageBattery: uint16(16000 - i)}, 1, now, nil)
		case i%57 == 0:
			st.Update(&common.MessageGpsRawInt{FixType: common.GPS_FIX_TYPE(3 + i/57%2), SatellitesVisible: uint8(10 + i%5)}, 1, now, nil)
		}
		st.Update(&common.MessageGlobalPositionInt{TimeBootMs: uint32(1000 + 100*i), Lat: 314000000 + int32(i)*100, Lon: -1109000000 - int32(i)*50,
			Alt: 1300000 + int32(i), RelativeAlt: 100000 + int32(i), Vx: 500, Hdg: uint16(i % 36000)}, 1, now, nil)
		st.Link.Frames++
		st.LastHeard, st.Time = now, now
		out = append(out, st)
	}
	return out
}

// Two clients in the same class, one taking whole states and one compact:
// the compact one gets each state too, most of them as their motion alone,
// and what it holds after merging each is exactly the whole state the
// other got, state by state.
func TestLiveFanout_CompactClient_MergedMotionIsEveryWholeState(t *testing.T) {
	f := &liveFanout{clients: map[*liveClient]struct{}{}, counters: &liveCounters{}, logger: slog.Default()}
	whole, compact := newLiveClient(), newLiveClient()
	cv, err := parseLiveView([]byte(`{"type":"view","compact":true}`))
	if err != nil {
		t.Fatal(err)
	}
	compact.view.Store(cv)
	f.clients[whole], f.clients[compact] = struct{}{}, struct{}{}

	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	states := [2][]gcs.VehicleState{flightStates(1, 300, t0), flightStates(2, 300, t0.Add(30*time.Millisecond))}
	held := liveHeld{}
	var got, motions, wholes int
	now := t0
	for i := range 300 * 5 { // one state per vehicle every fifth batch: 10 Hz
		now = now.Add(liveBatchInterval)
		var msgs []telemetry.Message
		if i%5 == 0 {
			msgs = []telemetry.Message{states[0][i/5], states[1][i/5]}
		}
		f.tick(now, msgs)
		w, _ := whole.take(nil)
		c, _ := compact.take(nil)
		if len(w) != len(c) {
			t.Fatalf("batch %d: the whole client got %d states, the compact one %d", i, len(w), len(c))
		}
		for k := range w {
			if w[k].id != c[k].id {
				t.Fatalf("batch %d: vehicle %d to one client, %d to the other", i, w[k].id, c[k].id)
			}
			h := held.apply(t, c[k].enc)
			if want := jsonMap(t, w[k].enc); !reflect.DeepEqual(h, want) {
				t.Fatalf("batch %d, vehicle %d: the compact client holds\n%v\nthe whole state is\n%v\n(sent %s)", i, w[k].id, h, want, c[k].enc)
			}
			if strings.Contains(string(c[k].enc), `"motion":true`) {
				motions++
				if len(c[k].enc)*100 > 55*len(w[k].enc) {
					t.Fatalf("a motion form of %d bytes for a state of %d", len(c[k].enc), len(w[k].enc))
				}
			} else {
				wholes++
			}
			got++
		}
	}
	if got != 600 {
		t.Fatalf("%d of 600 states delivered", got)
	}
	// Two first states, then a whole state at each status change (mode,
	// text, battery level, fix): at most about one in ten.
	if wholes < 2 || motions < 500 {
		t.Fatalf("%d whole states and %d motion forms", wholes, motions)
	}
	if n := f.counters.encodedMotion.Load(); n != uint64(motions) {
		t.Fatalf("%d motion forms encoded for %d sent (each once)", n, motions)
	}
}

// A compact client whose backlog is coalesced keeps each vehicle's latest
// state and, when that is a motion form, the whole state before it (the
// status it is a motion of): merged, the client holds the latest state.
func TestLiveClient_CompactBacklogCoalesced_KeepsTheLastWholeStateUnderTheMotion(t *testing.T) {
	f := &liveFanout{counters: &liveCounters{}, logger: slog.Default()}
	c := newLiveClient()
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	// Both only move, but vehicle 1 changes mode at its 150th state
	// (several coalescings before the client takes), vehicle 2 at its last.
	moving := func(id liveID) []gcs.VehicleState {
		sts := flightStates(id, 1, t0)
		for k := 1; k < 200; k++ {
			st := sts[k-1]
			st.Lat, st.Lon, st.HeadingDeg = st.Lat+1e-5, st.Lon+1e-5, float64(k)
			st.Time = st.Time.Add(100 * time.Millisecond)
			sts = append(sts, st)
		}
		return sts
	}
	a, b := moving(1), moving(2)
	for k := 150; k < 200; k++ {
		a[k].Mode = "RTL"
	}
	b[199].Mode = "LAND"
	entries := func(sts []gcs.VehicleState) []*liveEntry {
		var out []*liveEntry
		for k, st := range sts {
			e := &liveEntry{seq: uint64(k + 1), statusSeq: uint64(k + 1), st: st}
			if k > 0 && st.SameStatus(&sts[k-1]) {
				e.statusSeq = out[k-1].statusSeq
			}
			out = append(out, e)
		}
		return out
	}
	ea, eb := entries(a), entries(b)
	v1, v2 := f.vehicle(1, t0), f.vehicle(2, t0)
	c.mu.Lock()
	for k := range 200 {
		c.batch = uint64(k) // the client takes nothing for 200 batches: its backlog is coalesced
		f.put(c, true, v1, ea[k])
		f.put(c, true, v2, eb[k])
	}
	c.mu.Unlock()
	got, dropped := c.take(nil)
	if dropped == 0 {
		t.Fatal("nothing coalesced")
	}
	held := liveHeld{}
	// What the client held before the backlog: the whole states up to
	// where it was coalesced last.
	for _, e := range []*liveEntry{ea[0], eb[0]} {
		_ = f.encode(e)
		held.apply(t, e.enc)
	}
	for _, p := range got {
		held.apply(t, p.enc)
	}
	for id, e := range map[liveID]*liveEntry{1: ea[199], 2: eb[199]} {
		_ = f.encode(e)
		if want := jsonMap(t, e.enc); !reflect.DeepEqual(held[id], want) {
			t.Errorf("vehicle %d: the client holds\n%v\nthe latest state is\n%v", id, held[id], want)
		}
	}
	if uint64(len(got))+dropped != 400 {
		t.Fatalf("%d states kept and %d counted as dropped of 400 put", len(got), dropped)
	}
}

// Over a real WebSocket: a client that asks for compact updates gets the
// whole state first, then motion forms, and holds every vehicle's latest
// state as it is.
func TestLive_Compact_ClientMergingMotionHoldsTheLatestStates(t *testing.T) {
	s, hub := newTestServer(t)
	c := dialLive(t, s)
	if echo := sendView(t, c, `{"type":"view","compact":true}`); echo.Type != "view" {
		t.Fatalf("view echo %+v", echo)
	}
	t0 := time.Now()
	states := [3][]gcs.VehicleState{flightStates(1, 100, t0), flightStates(2, 100, t0), flightStates(3, 100, t0)}
	for k := range 100 {
		for _, sts := range states {
			hub.Publish(sts[k])
		}
		if k%10 == 0 {
			time.Sleep(2 * liveBatchInterval) // let some batches carry one state each, not only the latest
		}
	}
	want := map[liveID]map[string]any{}
	for _, sts := range states {
		b, err := sts[99].MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want[sts[99].ID] = jsonMap(t, b)
	}
	held := liveHeld{}
	motions := 0
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for !reflect.DeepEqual(map[liveID]map[string]any(held), want) {
		_, data, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("client: %v (holds %v)", err, held)
		}
		var msg struct {
			Type     string            `json:"type"`
			Vehicles []json.RawMessage `json:"vehicles"`
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			t.Fatal(err)
		}
		for _, v := range msg.Vehicles {
			if strings.Contains(string(v), `"motion":true`) {
				motions++
			}
			held.apply(t, v)
		}
	}
	if motions == 0 {
		t.Fatal("no motion form sent to a compact client")
	}
	if n := s.live.bytes.Load(); n == 0 {
		t.Fatal("bytes written not counted")
	}
}
