package telemetry_test

import (
	"sync"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// state stands in for gcs.VehicleState: telemetry must not import gcs (gcs
// imports telemetry), and the hub only looks at Kind and Vehicle.
type state struct {
	id  telemetry.VehicleID
	seq int
}

func (state) Kind() telemetry.Kind           { return telemetry.KindState }
func (s state) Vehicle() telemetry.VehicleID { return s.id }

func TestHub_Publish_StuckSubscriberDoesNotSlowOthers(t *testing.T) {
	var h telemetry.Hub
	stuck := h.Subscribe(telemetry.Filter{}, 16) // never drained
	defer stuck.Close()
	fast := h.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindFrame}}, 1024)
	defer fast.Close()

	const n = 200000
	var got int
	var wg sync.WaitGroup
	wg.Add(1)
	done := make(chan struct{})
	go func() {
		defer wg.Done()
		var buf []telemetry.Message
		for got < n {
			select {
			case <-fast.Ready():
				buf = fast.Drain(buf[:0])
				got += len(buf)
			case <-done:
				return
			}
		}
	}()
	// The publisher paces itself on the fast consumer's queue (as a link reader
	// paced by the network would), never on the stuck one.
	for i := 0; i < n; i++ {
		h.Publish(telemetry.Frame{SystemID: uint8(i % 10), Time: time.Unix(0, int64(i))})
		if i%512 == 511 {
			for fast.Pending() > 512 {
				time.Sleep(10 * time.Microsecond)
			}
		}
	}
	wg.Wait()
	close(done)
	if got != n || fast.Dropped() != 0 {
		t.Fatalf("fast subscriber got %d of %d frames, dropped %d", got, n, fast.Dropped())
	}
	if stuck.Dropped() != n-16 {
		t.Fatalf("stuck subscriber dropped %d, want %d (every frame beyond its queue)", stuck.Dropped(), n-16)
	}
	st := h.Stats()
	if st.Published != n || st.Dropped != n-16 || st.Subscribers != 2 {
		t.Fatalf("hub stats %+v", st)
	}
}

func TestHub_Publish_LaggingSubscriberGetsLatestStatePerVehicle(t *testing.T) {
	var h telemetry.Hub
	s := h.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState}, Vehicles: []telemetry.VehicleID{1, 2}}, 4)
	defer s.Close()
	for i := 0; i < 100; i++ {
		for _, id := range []telemetry.VehicleID{1, 2, 3} { // 3 is filtered out
			h.Publish(state{id: id, seq: i})
		}
	}
	h.Publish(telemetry.Frame{SystemID: 1}) // filtered out by kind
	msgs := s.Drain(nil)
	if len(msgs) != 6 { // 4 queued, then the latest of each vehicle
		t.Fatalf("drained %d messages, want 6: %v", len(msgs), msgs)
	}
	latest := map[telemetry.VehicleID]int{}
	for _, m := range msgs {
		latest[m.Vehicle()] = m.(state).seq
	}
	if latest[1] != 99 || latest[2] != 99 || len(latest) != 2 {
		t.Fatalf("latest states %v, want 99 for vehicles 1 and 2 only", latest)
	}
	if s.Coalesced() != 200-4-2 {
		t.Fatalf("coalesced %d, want %d", s.Coalesced(), 200-4-2)
	}
	if s.Dropped() != 0 {
		t.Fatalf("states are coalesced, never dropped; dropped %d", s.Dropped())
	}
}

func TestSubscription_Close_Idempotent(t *testing.T) {
	var h telemetry.Hub
	s := h.Subscribe(telemetry.Filter{}, 1)
	s.Close()
	s.Close()
	h.Publish(telemetry.Frame{})
	if h.Stats().Subscribers != 0 {
		t.Fatal("closed subscription still subscribed")
	}
}

func TestSubscription_Swap_HandsOverQueueAndLatest(t *testing.T) {
	var h telemetry.Hub
	s := h.Subscribe(telemetry.Filter{}, 2)
	defer s.Close()
	h.Publish(telemetry.Frame{SystemID: 1})
	h.Publish(telemetry.Frame{SystemID: 2})
	h.Publish(state{id: 5, seq: 1})
	h.Publish(state{id: 5, seq: 2})
	got := s.Swap(nil)
	if len(got) != 3 || got[2].(state).seq != 2 {
		t.Fatalf("swapped %v", got)
	}
	h.Publish(telemetry.Frame{SystemID: 3})
	again := s.Swap(got)
	if len(again) != 1 || again[0].Vehicle() != 3 {
		t.Fatalf("second swap %v", again)
	}
}
