package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/borderwatch/borderwatch/telemetry"
)

// liveID is the type of a vehicle's id in the live stream
// (gcs.VehicleState.ID).
type liveID = telemetry.VehicleID

// liveRates are the full-rate classes a /ws/live view can ask for (rate_hz),
// fastest first. A client's rate_hz picks the fastest class not above it.
// Each class encodes and rate-limits once for all its clients, so a handful
// of classes (not one rate per client) keeps the fan-out's work independent
// of the number of clients.
var liveRates = [...]float64{10, 5, 2, 1}

// liveLowPeriod is how often a vehicle outside a client's view is sent to
// it (1 Hz): enough to keep a fleet list current, little enough that a
// thousand drones cost a client a thousand states per second, not ten
// thousand.
const liveLowPeriodMs = 1000

const (
	// liveMaxSelected bounds the ids a view may select. A selection is an
	// operator's handful of drones; 256 leaves room for a fleet action.
	liveMaxSelected = 256
	// liveViewReadLimit bounds one message a client sends. A view with
	// liveMaxSelected ids fits in a quarter of it, so a view with too many
	// ids is read and refused with a message rather than cut off.
	liveViewReadLimit = 16 << 10
)

// liveView is what one /ws/live client shows: the vehicles inside its map's
// bounding box and those it selected get the full rate of its class, the
// others liveLowPeriod. Immutable once made; a client swaps in a new one.
type liveView struct {
	all        bool // no bbox: every vehicle is in view
	w, s, e, n float64
	selected   map[liveID]struct{}
	class      int // index into liveRates
	// compact: the client merges motion updates into the full states it
	// holds, so a state whose status it already has comes as its motion
	// alone (decode.VehicleState.MotionJSON).
	compact bool
}

// liveDefaultView is the view of a client that has not sent one: every
// vehicle at the fastest class, as the stream was before views existed.
var liveDefaultView = &liveView{all: true}

// contains reports whether a position is inside the view's bounding box.
// A box whose west edge is east of its east edge crosses the antimeridian.
func (v *liveView) contains(p livePos) bool {
	if v.all {
		return true
	}
	if !p.ok || p.lat < v.s || p.lat > v.n {
		return false
	}
	if v.w <= v.e {
		return p.lon >= v.w && p.lon <= v.e
	}
	return p.lon >= v.w || p.lon <= v.e
}

// admits reports whether a vehicle at p goes to this view at full rate.
func (v *liveView) admits(id liveID, p livePos) bool {
	if v.contains(p) {
		return true
	}
	_, ok := v.selected[id]
	return ok
}

// liveViewMessage is the view message a client sends on /ws/live, and the
// server's echo of the view it applied.
type liveViewMessage struct {
	Type     string     `json:"type"` // "view"
	BBox     *[]float64 `json:"bbox"` // [west, south, east, north] in degrees; absent or null: the whole world
	Selected []float64  `json:"selected,omitempty"`
	RateHz   *float64   `json:"rate_hz,omitempty"` // 1-10, default 10
	Compact  bool       `json:"compact,omitempty"` // the client merges {"id", "motion": true, …} updates
}

// liveErrorMessage tells a client why its message was refused. The view
// it had stays in force.
type liveErrorMessage struct {
	Type  string `json:"type"` // "error"
	Error string `json:"error"`
}

// parseLiveView reads one client message. It refuses anything but a
// well-formed view with an error that says what is wrong (never a panic),
// so a script's mistake is visible on the socket.
func parseLiveView(data []byte) (*liveView, error) {
	var m liveViewMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("view: not a JSON view message (%v); send {\"type\":\"view\",\"bbox\":[w,s,e,n],\"selected\":[ids],\"rate_hz\":10}", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("view: data after the JSON object; send one view per message")
	}
	if m.Type != "view" {
		return nil, fmt.Errorf("view: unknown message type %q; the only message a client sends is \"view\"", m.Type)
	}
	v := &liveView{all: m.BBox == nil, compact: m.Compact}
	if m.BBox != nil {
		b := *m.BBox
		if len(b) != 4 {
			return nil, fmt.Errorf("view: bbox must be [west, south, east, north] (4 numbers), got %d", len(b))
		}
		v.w, v.s, v.e, v.n = b[0], b[1], b[2], b[3]
		for _, lon := range []float64{v.w, v.e} {
			if !(lon >= -180 && lon <= 180) {
				return nil, fmt.Errorf("view: bbox longitude %v is outside [-180, 180]; wrap it (a west edge east of the east edge crosses the antimeridian)", lon)
			}
		}
		for _, lat := range []float64{v.s, v.n} {
			if !(lat >= -90 && lat <= 90) {
				return nil, fmt.Errorf("view: bbox latitude %v is outside [-90, 90]", lat)
			}
		}
		if v.s > v.n {
			return nil, fmt.Errorf("view: bbox south %v is north of its north %v; the order is [west, south, east, north]", v.s, v.n)
		}
	}
	if len(m.Selected) > liveMaxSelected {
		return nil, fmt.Errorf("view: %d selected vehicles, at most %d", len(m.Selected), liveMaxSelected)
	}
	if len(m.Selected) > 0 {
		v.selected = make(map[liveID]struct{}, len(m.Selected))
	}
	for _, f := range m.Selected {
		id := liveID(f)
		if f != math.Trunc(f) || f < 1 || float64(id) != f {
			return nil, fmt.Errorf("view: selected id %v is not a vehicle id (a whole number from 1)", f)
		}
		v.selected[id] = struct{}{}
	}
	rate := liveRates[0]
	if m.RateHz != nil {
		rate = *m.RateHz
		if !(rate >= liveRates[len(liveRates)-1] && rate <= liveRates[0]) {
			return nil, fmt.Errorf("view: rate_hz %v is outside [%v, %v]", rate, liveRates[len(liveRates)-1], liveRates[0])
		}
	}
	for v.class = 0; liveRates[v.class] > rate; v.class++ {
	}
	return v, nil
}

// message is the view as the server applied it (rate_hz rounded down to
// its class, selected ids sorted), in the form a client sends.
func (v *liveView) message() liveViewMessage {
	m := liveViewMessage{Type: "view", Compact: v.compact}
	if !v.all {
		m.BBox = &[]float64{v.w, v.s, v.e, v.n}
	}
	for id := range v.selected {
		m.Selected = append(m.Selected, float64(id))
	}
	slices.Sort(m.Selected)
	rate := liveRates[v.class]
	m.RateHz = &rate
	return m
}

// equal reports whether two views show the same (tests and the fuzz test).
func (v *liveView) equal(o *liveView) bool {
	if v.all != o.all || v.class != o.class || v.compact != o.compact || len(v.selected) != len(o.selected) {
		return false
	}
	if !v.all && (v.w != o.w || v.s != o.s || v.e != o.e || v.n != o.n) {
		return false
	}
	for id := range v.selected {
		if _, ok := o.selected[id]; !ok {
			return false
		}
	}
	return true
}

// String is for logs and test failures.
func (v *liveView) String() string {
	compact := ""
	if v.compact {
		compact = ", compact"
	}
	if v.all {
		return "view{all, " + strconv.FormatFloat(liveRates[v.class], 'g', -1, 64) + " Hz" + compact + "}"
	}
	return fmt.Sprintf("view{[%g %g %g %g], %d selected, %g Hz%s}", v.w, v.s, v.e, v.n, len(v.selected), liveRates[v.class], compact)
}
