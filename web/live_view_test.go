package web

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
)

// liveFrame is any message /ws/live sends, decoded as far as tests look.
type liveFrame struct {
	Type     string             `json:"type"`
	Vehicles []gcs.VehicleState `json:"vehicles"`
	Error    string             `json:"error"`
	BBox     *[]float64         `json:"bbox"`
	Selected []float64          `json:"selected"`
	RateHz   *float64           `json:"rate_hz"`
	Events   []json.RawMessage  `json:"events"`
}

func readFrame(t *testing.T, c *websocket.Conn) liveFrame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f liveFrame
	if err := c.ReadJSON(&f); err != nil {
		t.Fatalf("reading /ws/live: %v", err)
	}
	return f
}

// sendView sends a view and waits for the server's echo of it (or its
// error); it calls skipped (if not nil) with the frames that came first.
func sendView(t *testing.T, c *websocket.Conn, msg string, skipped ...func(liveFrame)) liveFrame {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	for {
		f := readFrame(t, c)
		if f.Type == "view" || f.Type == "error" {
			return f
		}
		for _, fn := range skipped {
			fn(f)
		}
	}
}

// The view filter end to end over a real WebSocket on loopback, on the
// fan-out's injected clock: each tick the test sends is one batch 20 ms of
// fake time after the last. Vehicle 1 flies inside the client's bbox and
// vehicle 2 outside it, both reporting at 10 Hz for 5 fake seconds; the
// client must get every state of vehicle 1, and vehicle 2's once per fake
// second (no more, but still, so its fleet list stays current). Vehicle 3
// is outside the bbox but selected: full rate too.
func TestLive_View_InViewFullRateOthersAtLowRate(t *testing.T) {
	ticks, ticked := make(chan time.Time), make(chan struct{})
	s, hub := newTestServerWith(t, func(s *Server) { s.liveTicks, s.liveTicked = ticks, ticked })
	c := dialLive(t, s)
	echo := sendView(t, c, `{"type":"view","bbox":[-111,31,-110.5,31.5],"selected":[3],"rate_hz":10}`)
	if echo.Type != "view" || echo.BBox == nil || (*echo.BBox)[0] != -111 || len(echo.Selected) != 1 || *echo.RateHz != 10 {
		t.Fatalf("view echo %+v", echo)
	}
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	now := t0
	tick := func() { // one batch, handed out before it returns
		now = now.Add(liveBatchInterval)
		ticks <- now
		<-ticked
	}
	tick() // the fan-out is running and subscribed
	publish := func(id liveID, lat, lon float64, seq int) {
		st := gcs.NewVehicleState(id)
		st.Lat, st.Lon, st.HasPosition = lat, lon, true
		st.MissionSeq = seq
		st.Time = now
		hub.Publish(st)
	}
	const ticksPerState = 5 // 10 Hz at 20 ms per batch
	const states = 50       // 5 fake seconds
	got := map[liveID][]int{}
	// read collects what the client received until vehicle 1's state seq
	// arrives: waiting for each in-view state keeps this client from
	// lagging (a lagging client gets the latest state only, by design).
	read := func(seq int) {
		for {
			f := readFrame(t, c)
			found := false
			for _, v := range f.Vehicles {
				got[v.ID] = append(got[v.ID], v.MissionSeq)
				found = found || (v.ID == 1 && v.MissionSeq == seq)
			}
			if found {
				return
			}
		}
	}
	for i := 0; i < states*ticksPerState; i++ {
		seq := i / ticksPerState
		if i%ticksPerState == 0 {
			publish(1, 31.2, -110.8, seq) // inside the bbox
			publish(3, 30.0, -110.8, seq) // south of it, selected
		}
		// East of the box, changing every batch: the seq of each state
		// it gets is the batch it was sent in.
		publish(2, 31.2, -109.0, i)
		tick()
		if i%ticksPerState == ticksPerState-1 {
			read(seq)
		}
	}
	publish(1, 31.2, -110.8, 1000) // the end marker
	tick()
	read(1000)
	got[1] = got[1][:len(got[1])-1]
	for _, id := range []liveID{1, 3} {
		if len(got[id]) != states {
			t.Fatalf("vehicle %d (in view): got %d of %d states: %v", id, len(got[id]), states, got[id])
		}
		for i, seq := range got[id] {
			if seq != i {
				t.Fatalf("vehicle %d: states out of order or missing: %v", id, got[id])
			}
		}
	}
	// Vehicle 2: one state per second of fake time (50 batches), no more,
	// and no less, so the fleet list stays current.
	low := got[2]
	if len(low) != 5 {
		t.Fatalf("vehicle 2 (out of view): got %d states in 5 s, want one per second: %v", len(low), low)
	}
	for i := 1; i < len(low); i++ {
		if low[i]-low[i-1] != 50 {
			t.Fatalf("vehicle 2 (out of view): states of batches %d and %d, not 1 s apart: %v", low[i-1], low[i], low)
		}
	}
}

// A view that brings a vehicle into the box sends its latest state at once,
// without waiting for its next change or its low-rate turn.
func TestLive_View_ChangedViewSendsNewlyVisibleAtOnce(t *testing.T) {
	ticks, ticked := make(chan time.Time), make(chan struct{})
	s, hub := newTestServerWith(t, func(s *Server) { s.liveTicks, s.liveTicked = ticks, ticked })
	c := dialLive(t, s)
	sendView(t, c, `{"type":"view","bbox":[0,0,1,1]}`)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tick := func() {
		now = now.Add(liveBatchInterval)
		ticks <- now
		<-ticked
	}
	tick()
	// 30 vehicles outside the view: the low rate staggers them over the
	// second, so the last one's turn is 580 ms away.
	for id := liveID(1); id <= 30; id++ {
		st := gcs.NewVehicleState(id)
		st.Lat, st.Lon, st.HasPosition, st.Time, st.MissionSeq = 31.2, -110.8, true, now, 42
		hub.Publish(st)
	}
	for i := 0; i < 3; i++ {
		tick()
	}
	early := false
	sendView(t, c, `{"type":"view","bbox":[-111,31,-110.5,31.5]}`, func(f liveFrame) {
		for _, v := range f.Vehicles {
			early = early || v.ID == 30
		}
	})
	if early {
		t.Fatal("vehicle 30 came before its low-rate turn")
	}
	tick() // the batch that sees the new view
	for {
		f := readFrame(t, c)
		for _, v := range f.Vehicles {
			if v.ID == 30 && v.MissionSeq == 42 {
				return
			}
		}
	}
}

func TestLive_View_BadMessagesAnsweredWithErrorsKeepTheView(t *testing.T) {
	s, hub := newTestServer(t)
	c := dialLive(t, s)
	sendView(t, c, `{"type":"view","bbox":[-111,31,-110.5,31.5]}`)
	for _, tc := range []struct{ msg, want string }{
		{`not json`, "not a JSON view message"},
		{`{"type":"view","bbox":[1,2,3]}`, "4 numbers"},
		{`{"type":"view","bbox":[-200,0,1,1]}`, "longitude -200"},
		{`{"type":"view","bbox":[0,10,1,5]}`, "south 10 is north"},
		{`{"type":"view","rate_hz":50}`, "rate_hz 50"},
		{`{"type":"view","selected":[1.5]}`, "selected id 1.5"},
		{`{"type":"view","selected":[0]}`, "selected id 0"},
		{`{"type":"view","zoom":3}`, "unknown field"},
		{`{"type":"subscribe"}`, `unknown message type "subscribe"`},
		{`{"type":"view"} {"type":"view"}`, "one view per message"},
		{`{"type":"view","selected":[` + strings.Repeat("1,", liveMaxSelected) + `1]}`, "at most 256"},
	} {
		f := sendView(t, c, tc.msg)
		if f.Type != "error" || !strings.HasPrefix(f.Error, "view: ") || !strings.Contains(f.Error, tc.want) {
			t.Errorf("%s: answer %q %q, want an error containing %q", tc.msg, f.Type, f.Error, tc.want)
		}
	}
	// The connection and the view survive: a vehicle inside the box still comes.
	st := gcs.NewVehicleState(9)
	st.Lat, st.Lon, st.HasPosition, st.Time = 31.2, -110.8, true, time.Now()
	hub.Publish(st)
	for {
		f := readFrame(t, c)
		if len(f.Vehicles) > 0 && f.Vehicles[0].ID == 9 {
			break
		}
	}
	testenv.Eventually(t, 5*time.Second, "view errors counted", func() bool { return s.live.viewErrors.Load() == 11 })
}

func TestParseLiveView_Valid(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want string
	}{
		{`{"type":"view"}`, "view{all, 10 Hz}"},
		{`{"type":"view","bbox":null,"rate_hz":3}`, "view{all, 2 Hz}"},
		{`{"type":"view","bbox":[170,-10,-170,10],"selected":[1,2,2],"rate_hz":1}`, "view{[170 -10 -170 10], 2 selected, 1 Hz}"},
		{" {\"type\":\"view\",\"bbox\":[-180,-90,180,90]}\n", "view{[-180 -90 180 90], 0 selected, 10 Hz}"},
		{`{"type":"view","compact":true}`, "view{all, 10 Hz, compact}"},
		{`{"type":"view","bbox":[1,2,3,4],"rate_hz":5,"compact":false}`, "view{[1 2 3 4], 0 selected, 5 Hz}"},
	} {
		v, err := parseLiveView([]byte(tc.msg))
		if err != nil || v.String() != tc.want {
			t.Errorf("%s: %v %v, want %s", tc.msg, v, err, tc.want)
		}
	}
	v, _ := parseLiveView([]byte(`{"type":"view","bbox":[170,-10,-170,10]}`))
	for _, tc := range []struct {
		lon  float64
		want bool
	}{{175, true}, {-175, true}, {180, true}, {0, false}, {-169, false}} {
		if got := v.contains(livePos{0, tc.lon, true}); got != tc.want {
			t.Errorf("antimeridian box contains lon %v: %v", tc.lon, got)
		}
	}
	if v.contains(livePos{0, 175, false}) {
		t.Error("a vehicle without a position is inside a box")
	}
}

// FuzzParseLiveView: whatever a client sends, the parser answers a view or
// an error that says so, never panics; a view it accepts is within range,
// and the server's echo of it parses back to the same view.
func FuzzParseLiveView(f *testing.F) {
	for _, s := range []string{
		`{"type":"view","bbox":[-111,31,-110.5,31.5],"selected":[1,2],"rate_hz":10}`,
		`{"type":"view"}`, `{"type":"view","bbox":[170,-10,-170,10]}`, `{"type":"view","rate_hz":1.5}`,
		`{"type":"view","bbox":[1e400,0,0,0]}`, `{"type":"view","selected":[255,256,-1]}`, `[]`, `null`, ``,
		`{"type":"view","bbox":[0,0,0,0],"selected":null,"rate_hz":null}`,
		`{"type":"view","compact":true}`, `{"type":"view","compact":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseLiveView(data)
		if err != nil {
			if v != nil || !strings.HasPrefix(err.Error(), "view: ") {
				t.Fatalf("error %q with view %v", err, v)
			}
			return
		}
		if !v.all {
			for _, x := range []float64{v.w, v.e} {
				if math.IsNaN(x) || x < -180 || x > 180 {
					t.Fatalf("accepted longitude %v", x)
				}
			}
			if math.IsNaN(v.s) || math.IsNaN(v.n) || v.s < -90 || v.n > 90 || v.s > v.n {
				t.Fatalf("accepted latitudes %v %v", v.s, v.n)
			}
		}
		if len(v.selected) > liveMaxSelected || v.class < 0 || v.class >= len(liveRates) {
			t.Fatalf("accepted %v", v)
		}
		if _, ok := v.selected[0]; ok {
			t.Fatal("accepted vehicle id 0")
		}
		echo, err := json.Marshal(v.message())
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseLiveView(echo)
		if err != nil || !again.equal(v) {
			t.Fatalf("echo %s parses to %v (%v), not %v", echo, again, err, v)
		}
	})
}
