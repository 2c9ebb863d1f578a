package store

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Series are a window's vehicles' altitude, ground speed, battery and link
// loss over the whole window, downsampled to a bounded number of points
// for plots (GET /api/v1/sorties/{id}/series). The values are the vehicle
// state as the shared decoder (mavlink/decode) leaves it after each message,
// the same state live and replay show, so a plot never disagrees with the
// map: a 0,0 "no position" is no point, only the first battery counts, a
// reboot resets. As for the sortie statistics, only the messages that carry
// these values (statsMessage) are decoded; every frame counts for the link.

// Series limits: a plot is a few hundred pixels wide.
const (
	DefaultSeriesPoints = 1000
	MinSeriesPoints     = 10
	MaxSeriesPoints     = 20000
)

// SeriesQuery is what to plot.
type SeriesQuery struct {
	Query
	// (optional) Points bounds the points per vehicle. Defaults to
	// DefaultSeriesPoints; MinSeriesPoints–MaxSeriesPoints.
	Points int
	// (optional) LinkTimeout is the silence after which the link counts as
	// lost (loss 100 %). Defaults to 3.5 s, the live rule (mavlink/decode).
	LinkTimeout time.Duration
}

// VehicleSeries is one vehicle's downsampled series. T holds the sample
// times (Unix seconds); each value list has one entry per time, null where
// the vehicle did not report that value in the bucket.
type VehicleSeries struct {
	ID    telemetry.VehicleID `json:"id"`
	SysID uint8               `json:"sysid"`
	// T: Unix seconds (fractional).
	T             []float64   `json:"t"`
	RelAltM       []NullFloat `json:"rel_alt_m"`
	GroundspeedMS []NullFloat `json:"groundspeed_m_s"`
	BatteryPct    []NullFloat `json:"battery_pct"`
	// LinkLossPct is the share of frames lost (gaps in the MAVLink sequence
	// numbers), 100 while the vehicle was silent longer than the link timeout.
	LinkLossPct []NullFloat `json:"link_loss_pct"`
}

// SeriesResult answers a SeriesQuery.
type SeriesResult struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// BucketS is the time each pair of points stands for: every bucket
	// gives two points, its minimum and its maximum in the order they
	// occurred, so that no peak or dip is lost to downsampling.
	BucketS  float64         `json:"bucket_s"`
	Vehicles []VehicleSeries `json:"vehicles"`
}

// NullFloat is a float64 that is JSON null when NaN (no value).
type NullFloat float64

// MarshalJSON writes null for NaN.
func (f NullFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// UnmarshalJSON reads null as NaN.
func (f *NullFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = NullFloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = NullFloat(v)
	return nil
}

// extreme keeps a bucket's minimum and maximum of one value and when each occurred.
type extreme struct {
	min, max   float64
	minT, maxT int64
	has        bool
}

func (e *extreme) add(v float64, t int64) {
	if !e.has {
		*e = extreme{min: v, max: v, minT: t, maxT: t, has: true}
		return
	}
	if v < e.min {
		e.min, e.minT = v, t
	}
	if v > e.max {
		e.max, e.maxT = v, t
	}
}

// pair is the bucket's two points: the extreme that came first, then the other.
func (e *extreme) pair() (NullFloat, NullFloat) {
	if !e.has {
		nan := NullFloat(math.NaN())
		return nan, nan
	}
	if e.maxT < e.minT {
		return NullFloat(e.max), NullFloat(e.min)
	}
	return NullFloat(e.min), NullFloat(e.max)
}

type seriesBucket struct {
	alt, spd, bat    extreme
	received, lost   uint64
	silent, anything bool
}

type vehicleAcc struct {
	buckets []seriesBucket
	lastSeq map[uint8]uint8 // per component
	lastT   int64           // µs of the last frame, 0 before any
	// reported: the decoder gave a position or a battery level.
	reported bool
}

// Series reads the downsampled series of every vehicle the query selects
// (its Systems, or every system of its stream that reported a position or
// battery level) over [From, To).
func (s *Store) Series(q SeriesQuery) (SeriesResult, error) {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return SeriesResult{}, fmt.Errorf("%w: series need a window with a start before its end", ErrInvalid)
	}
	if q.Points == 0 {
		q.Points = DefaultSeriesPoints
	}
	if q.Points < MinSeriesPoints || q.Points > MaxSeriesPoints {
		return SeriesResult{}, fmt.Errorf("%w: points must be %d-%d, got %d", ErrInvalid, MinSeriesPoints, MaxSeriesPoints, q.Points)
	}
	if q.LinkTimeout <= 0 {
		q.LinkTimeout = decode.DefaultLinkTimeout
	}
	n := q.Points / 2
	from, to := micros(q.From), micros(q.To)
	width := (to - from + uint64(n) - 1) / uint64(n)
	if width == 0 {
		width = 1
	}
	timeout := q.LinkTimeout.Microseconds()
	// A window may begin between two heartbeats (a sortie starts at the arm
	// its heartbeat reported, an import's at its first frame): admit as
	// exports do.
	vehicles := decode.Table{LinkTimeout: q.LinkTimeout, AdmitWithoutHeartbeat: true}
	accs := map[telemetry.VehicleID]*vehicleAcc{}
	bucketOf := func(us int64) int { return min(n-1, max(0, int((us-int64(from))/int64(width)))) }
	// markSilent marks the buckets of (a, b] as silent: the link was lost there.
	markSilent := func(acc *vehicleAcc, a, b int64) {
		if b <= a {
			return
		}
		for i := bucketOf(a + 1); i <= bucketOf(b); i++ {
			acc.buckets[i].silent = true
		}
	}
	err := s.scan(q.Query, func(f *telemetry.Frame) bool {
		id := f.Vehicle()
		acc := accs[id]
		if acc == nil {
			acc = &vehicleAcc{buckets: make([]seriesBucket, n), lastSeq: map[uint8]uint8{}}
			accs[id] = acc
		}
		us := f.Time.UnixMicro()
		if acc.lastT != 0 && us-acc.lastT > timeout {
			markSilent(acc, acc.lastT+timeout, us)
		}
		acc.lastT = us
		b := &acc.buckets[bucketOf(us)]
		b.anything = true
		b.received++
		if seq, ok := frameSeq(f.Raw); ok {
			if last, seen := acc.lastSeq[f.ComponentID]; seen {
				b.lost += uint64(seq - last - 1) // uint8 arithmetic: wraps at 256
			}
			acc.lastSeq[f.ComponentID] = seq
		}
		if !statsMessage(f.MessageID) {
			return true
		}
		msg, ok := decode.Raw(f.Raw)
		if !ok {
			return true
		}
		st := vehicles.Message(id, f.ComponentID, msg, f.Time, nil).State
		if st == nil {
			return true
		}
		position, battery := reported(msg, st)
		if position {
			b.alt.add(st.RelAltM, us)
			b.spd.add(st.GroundspeedMS, us)
		}
		if battery {
			b.bat.add(float64(st.BatteryPct), us)
		}
		acc.reported = acc.reported || position || battery
		return true
	})
	if err != nil {
		return SeriesResult{}, err
	}
	out := SeriesResult{From: q.From, To: q.To, BucketS: float64(width) / 1e6, Vehicles: []VehicleSeries{}}
	ids := make([]telemetry.VehicleID, 0, len(accs))
	for id, acc := range accs {
		if acc.reported || slices.Contains(q.Systems, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		acc := accs[id]
		if int64(to)-acc.lastT > timeout {
			markSilent(acc, acc.lastT+timeout, int64(to)-1)
		}
		vs := VehicleSeries{ID: id, SysID: id.SysID()}
		for i := range acc.buckets {
			b := &acc.buckets[i]
			if !b.anything && !b.silent {
				continue
			}
			t0 := float64(from+uint64(i)*width) / 1e6
			w := float64(width) / 1e6
			loss := NullFloat(math.NaN())
			if b.silent {
				loss = 100
			} else if b.received > 0 {
				loss = NullFloat(100 * float64(b.lost) / float64(b.received+b.lost))
			}
			a1, a2 := b.alt.pair()
			s1, s2 := b.spd.pair()
			p1, p2 := b.bat.pair()
			vs.T = append(vs.T, t0+w/4, t0+3*w/4)
			vs.RelAltM = append(vs.RelAltM, a1, a2)
			vs.GroundspeedMS = append(vs.GroundspeedMS, s1, s2)
			vs.BatteryPct = append(vs.BatteryPct, p1, p2)
			vs.LinkLossPct = append(vs.LinkLossPct, loss, loss)
		}
		out.Vehicles = append(out.Vehicles, vs)
	}
	return out, nil
}

// frameSeq is the MAVLink sequence number of a raw frame.
func frameSeq(raw []byte) (uint8, bool) {
	switch {
	case len(raw) >= 10 && raw[0] == 0xFD:
		return raw[4], true
	case len(raw) >= 6 && raw[0] == 0xFE:
		return raw[2], true
	}
	return 0, false
}
