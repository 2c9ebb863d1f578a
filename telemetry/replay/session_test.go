package replay_test

import (
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/replay"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// lastFrame is a replay.Decoder whose state is each system's last frame
// time. It stands in for the gcs decode path, which telemetry cannot import
// (web's tests run the session with the real one).
type lastFrame struct{ last, changed map[uint8]time.Time }

func newLastFrame() replay.Decoder[time.Time] {
	return &lastFrame{last: map[uint8]time.Time{}, changed: map[uint8]time.Time{}}
}

func (d *lastFrame) Frame(f telemetry.Frame, emit func(telemetry.Event)) {
	d.last[f.SystemID], d.changed[f.SystemID] = f.Time, f.Time
}
func (d *lastFrame) Check(time.Time) {}
func (d *lastFrame) Take(all bool) []time.Time {
	src := d.changed
	if all {
		src = d.last
	}
	var out []time.Time
	for _, t := range src {
		out = append(out, t)
	}
	clear(d.changed)
	return out
}

// A recorded minute of one drone with a detection every 10 s; the session's
// clock is injected. Every snapshot and update holds nothing later than the
// clock, whatever order the seeks come in, and every event reaches the
// client exactly once while playing.
func TestSession_SeekAndPlay_NothingLaterEveryEventOnce(t *testing.T) {
	st := storetest.MustOpen(t)
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	var frames []telemetry.Frame
	var events []telemetry.Event
	for ms := 0; ms < 60000; ms += 100 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		raw, err := e.Encode(nil, &common.MessageAttitude{TimeBootMs: uint32(ms)})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, telemetry.Frame{Time: at, SystemID: 1, ComponentID: 1, MessageID: 30, Raw: raw})
		if ms%10000 == 5000 {
			events = append(events, telemetry.Detection{EventHeader: telemetry.Header(at, 1), TrackID: uint32(ms)})
		}
	}
	if err := st.Append(frames, events); err != nil {
		t.Fatal(err)
	}
	now := t0
	s := &replay.Session[time.Time]{Store: st, Window: replay.Window{From: t0, To: t0.Add(time.Minute)}, NewDecoder: newLastFrame, Now: func() time.Time { return now }}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	check := func(u replay.Update[time.Time]) {
		t.Helper()
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		for _, v := range u.Vehicles {
			if v.After(u.Clock.Time) {
				t.Fatalf("a vehicle shows its frame of %v at replay time %v", v, u.Clock.Time)
			}
		}
		for _, e := range u.Events {
			if e.Event.EventTime().After(u.Clock.Time) {
				t.Fatalf("event of %v sent at replay time %v", e.Event.EventTime(), u.Clock.Time)
			}
		}
	}
	for _, sec := range []int{50, 12, 31, 0, 59} {
		s.Seek(t0.Add(time.Duration(sec) * time.Second))
		u := s.Poll()
		check(u)
		if !u.Reset || len(u.Events) != (sec+5)/10 {
			t.Fatalf("seek to %d s: reset %v, %d events; want the %d detections up to then", sec, u.Reset, len(u.Events), (sec+5)/10)
		}
	}
	s.Seek(t0)
	check(s.Poll())
	s.Play()
	seen := map[uint32]int{}
	for i := 0; i < 700; i++ {
		now = now.Add(100 * time.Millisecond)
		u := s.Poll()
		check(u)
		if u.Reset {
			t.Fatal("a reset while playing")
		}
		for _, e := range u.Events {
			seen[e.Event.(telemetry.Detection).TrackID]++
		}
	}
	if len(seen) != 6 {
		t.Fatalf("detections seen %v; want all 6", seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("detection %d sent %d times", id, n)
		}
	}
}
