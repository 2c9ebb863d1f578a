package telemetry_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// clock is the player's injected wall clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

// logFrame is a recorded position: its latitude encodes its time, so a
// decoded frame says when it was sent.
type logFrame struct {
	sysid uint8
	at    time.Time
}

// fleetLog stores 600 s of three vehicles: 1 at 1 Hz, 2 at 2 Hz but silent
// from 100 s to 300 s, 3 at 1 Hz half a second later.
func fleetLog(t *testing.T) (*store.Store, []logFrame) {
	s := storetest.MustOpen(t)
	encs := map[uint8]*mavwire.Encoder{}
	var frames []telemetry.Frame
	var ref []logFrame
	add := func(id uint8, at time.Time) {
		e := encs[id]
		if e == nil {
			e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: id, ComponentID: 1}
			encs[id] = e
		}
		raw, err := e.Encode(nil, &common.MessageGlobalPositionInt{Lat: int32(at.Sub(t0) / time.Millisecond), Lon: int32(id)})
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, telemetry.Frame{Time: at, SystemID: id, ComponentID: 1, MessageID: 33, Raw: raw})
		ref = append(ref, logFrame{id, at})
	}
	for ms := 0; ms < 600000; ms += 500 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		if ms%1000 == 0 {
			add(1, at)
		}
		if ms < 100000 || ms >= 300000 {
			add(2, at)
		}
		if ms%1000 == 500 {
			add(3, at)
		}
		if len(frames) > 300 {
			if err := s.AppendFrames(frames); err != nil {
				t.Fatal(err)
			}
			frames = frames[:0]
		}
	}
	if err := s.AppendFrames(frames); err != nil {
		t.Fatal(err)
	}
	return s, ref
}

func sentAt(f telemetry.Frame) time.Time {
	// GLOBAL_POSITION_INT: lat is at payload offset 4; the header is 10 bytes (MAVLink 2).
	p := make([]byte, 28)
	copy(p, f.Raw[10:10+int(f.Raw[1])])
	ms := int32(uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16 | uint32(p[7])<<24)
	return t0.Add(time.Duration(ms) * time.Millisecond)
}

// lastBy is, for each vehicle, the time of its last frame at or before t.
func lastBy(ref []logFrame, t time.Time) map[uint8]time.Time {
	out := map[uint8]time.Time{}
	for _, f := range ref {
		if !f.at.After(t) {
			out[f.sysid] = f.at
		}
	}
	return out
}

func newPlayer(t *testing.T, s *store.Store, c *clock) *telemetry.Player {
	p := &telemetry.Player{Source: s.Source(0), From: t0, To: t0.Add(10 * time.Minute), Now: c.Now}
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlayer_Seek_ShowsEachVehicleWhereTheLogHasIt(t *testing.T) {
	s, ref := fleetLog(t)
	c := &clock{now: time.Unix(1e9, 0)}
	p := newPlayer(t, s, c)
	// Forward and backward, into vehicle 2's silence, to exact frame times and between them.
	for _, sec := range []float64{50, 150.2, 299.9, 450, 100, 0.25, 599.5, 20} {
		at := t0.Add(time.Duration(sec * float64(time.Second)))
		p.Seek(at)
		shown := map[uint8]time.Time{}
		pos, err := p.Poll(func(f telemetry.Frame) {
			if f.Time.After(at) {
				t.Fatalf("seek to %v s emitted a frame from %v", sec, f.Time)
			}
			shown[f.SystemID] = sentAt(f)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !pos.Equal(at) {
			t.Fatalf("paused player at %v after seeking to %v", pos, at)
		}
		want := lastBy(ref, at)
		if len(shown) != len(want) {
			t.Fatalf("seek to %v s: vehicles %v, want %v", sec, shown, want)
		}
		for id, w := range want {
			if !shown[id].Equal(w) {
				t.Errorf("seek to %v s: vehicle %d shown at its %v frame, the log has %v", sec, id, shown[id].Sub(t0), w.Sub(t0))
			}
		}
	}
}

func TestPlayer_Play_VehiclesStayInSync(t *testing.T) {
	s, ref := fleetLog(t)
	c := &clock{now: time.Unix(1e9, 0)}
	p := newPlayer(t, s, c)
	p.Seek(t0.Add(90 * time.Second))
	if err := p.SetSpeed(10); err != nil {
		t.Fatal(err)
	}
	p.Play()
	shown := map[uint8]time.Time{}
	for step := 0; step < 400; step++ { // 40 s of wall time: 400 s of log, across vehicle 2's silence
		pos, err := p.Poll(func(f telemetry.Frame) {
			if at := sentAt(f); at.Before(shown[f.SystemID]) {
				t.Fatalf("vehicle %d went back in time", f.SystemID)
			}
			shown[f.SystemID] = sentAt(f)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := lastBy(ref, pos)
		for id, w := range want {
			if !shown[id].Equal(w) {
				t.Fatalf("at %v: vehicle %d shows %v, the log has %v", pos.Sub(t0), id, shown[id].Sub(t0), w.Sub(t0))
			}
		}
		c.advance(100 * time.Millisecond)
	}
}

func TestPlayer_SetSpeed_ClockRunsAtSpeed(t *testing.T) {
	s, ref := fleetLog(t)
	c := &clock{now: time.Unix(1e9, 0)}
	p := newPlayer(t, s, c)
	start := t0.Add(200 * time.Second)
	p.Seek(start)
	_, _ = p.Poll(func(telemetry.Frame) {})
	for _, x := range []float64{0.1, 1, 50, 100} {
		if err := p.SetSpeed(x); err != nil {
			t.Fatal(err)
		}
		p.Play()
		from := p.Position()
		c.advance(time.Second)
		n := 0
		pos, err := p.Poll(func(telemetry.Frame) { n++ })
		if err != nil {
			t.Fatal(err)
		}
		if got := pos.Sub(from); got != time.Duration(x*float64(time.Second)) {
			t.Fatalf("at %v×, one second moved the clock %v", x, got)
		}
		want := 0
		for _, f := range ref {
			if f.at.After(from) && !f.at.After(pos) {
				want++
			}
		}
		if n != want {
			t.Fatalf("at %v×: %d frames in one second, the log has %d", x, n, want)
		}
		p.Pause()
	}
	for _, bad := range []float64{0.05, 101, 0} {
		if err := p.SetSpeed(bad); !errors.Is(err, telemetry.ErrSpeed) {
			t.Fatalf("SetSpeed(%v) = %v", bad, err)
		}
	}
}

func TestPlayer_Poll_SkipsLongGaps(t *testing.T) {
	s := storetest.MustOpen(t)
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	var frames []telemetry.Frame
	for _, sec := range []int{0, 1, 2, 3600, 3601} { // an hour's silence: a server restart
		raw, _ := e.Encode(nil, &common.MessageAttitude{TimeBootMs: uint32(sec)})
		frames = append(frames, telemetry.Frame{Time: t0.Add(time.Duration(sec) * time.Second), SystemID: 1, MessageID: 30, Raw: raw})
	}
	if err := s.AppendFrames(frames); err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Unix(1e9, 0)}
	p := &telemetry.Player{Source: s.Source(0), From: t0, To: t0.Add(2 * time.Hour), Now: c.Now}
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	p.Play()
	var got []time.Time
	emit := func(f telemetry.Frame) { got = append(got, f.Time) }
	for i := 0; i < 10; i++ { // 10 s of wall time at 1×
		if _, err := p.Poll(emit); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)
	}
	if len(got) != 5 || !got[3].Equal(t0.Add(3600*time.Second)) {
		t.Fatalf("emitted %v; want the frames after the gap within seconds", got)
	}
	if pos := p.Position(); pos.Before(t0.Add(3600*time.Second)) || pos.After(t0.Add(3610*time.Second)) {
		t.Fatalf("clock at %v after the gap", pos.Sub(t0))
	}
	// Stepping back before the gap goes frame by frame.
	p.Seek(t0)
	var stepped []time.Time
	if _, err := p.Poll(func(f telemetry.Frame) { stepped = append(stepped, f.Time) }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if ok, err := p.Step(func(f telemetry.Frame) { stepped = append(stepped, f.Time) }); !ok || err != nil {
			t.Fatalf("step %d: %v %v", i, ok, err)
		}
	}
	if len(stepped) != 3 || !stepped[2].Equal(t0.Add(2*time.Second)) || p.Playing() {
		t.Fatalf("stepped %v (playing %v)", stepped, p.Playing())
	}
}
