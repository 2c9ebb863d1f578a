package gcs

import (
	"math"
	"slices"
	"sync"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/telemetry"
)

// streamWorkers bounds how many vehicles are asked for their telemetry at
// once. A server that starts (or whose radio comes back) with a fleet in
// the air hears every vehicle within a second: a goroutine per vehicle put
// thousands of command exchanges, and their requests to the fleet loop, on
// the two cores in the very second the loop was busiest, and every state
// then waited behind them (docs/performance.md, "Where the 2000-drone tail
// was"). Each vehicle's request is a few round trips, so 32 at a time ask a
// 2000-drone fleet on a 50 ms radio in about 2000/32 × 9 × 50 ms ≈ 30 s; a
// vehicle that never answers holds one worker for its retries (about 6 s).
const streamWorkers = 32

// streamQueue holds the vehicles waiting to be asked for their telemetry,
// oldest first, each at most once: its length is bounded by the fleet.
type streamQueue struct {
	mu      sync.Mutex
	order   []telemetry.VehicleID
	flavour map[telemetry.VehicleID]Flavour // the queued vehicles, with the autopilot to ask
	wake    chan struct{}                   // one token: a worker takes it, and passes it on while work remains
}

// add queues vid (the fleet loop calls it; it never blocks). A vehicle
// already waiting keeps its place, asked as the autopilot it is now.
func (q *streamQueue) add(vid telemetry.VehicleID, fl Flavour) {
	if q.wake == nil {
		return // the fleet asks for nothing (NoStreamRequests)
	}
	q.mu.Lock()
	if _, ok := q.flavour[vid]; !ok {
		q.order = append(q.order, vid)
	}
	q.flavour[vid] = fl
	q.mu.Unlock()
	q.signal()
}

func (q *streamQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest waiting vehicle.
func (q *streamQueue) next() (telemetry.VehicleID, Flavour, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.order) == 0 {
		return 0, 0, false
	}
	vid := q.order[0]
	q.order[0] = 0
	q.order = q.order[1:]
	if len(q.order) == 0 {
		q.order = nil // let the backing array of a burst go
	}
	fl := q.flavour[vid]
	delete(q.flavour, vid)
	if len(q.order) > 0 {
		q.signal()
	}
	return vid, fl, true
}

// waiting is how many vehicles wait to be asked.
func (q *streamQueue) waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// startStreamWorkers starts the workers that ask queued vehicles for their
// telemetry; they end with the fleet's context (Close waits for them).
func (f *Fleet) startStreamWorkers() {
	if f.NoStreamRequests || len(f.StreamRates) == 0 {
		return
	}
	f.streams = streamQueue{flavour: make(map[telemetry.VehicleID]Flavour), wake: make(chan struct{}, 1)}
	for range streamWorkers {
		f.bg.Add(1)
		go func() {
			defer f.bg.Done()
			for {
				vid, fl, ok := f.streams.next()
				if ok {
					f.requestStreams(vid, fl)
					continue
				}
				select {
				case <-f.streams.wake:
				case <-f.ctx.Done():
					return
				}
			}
		}()
	}
}

// StreamRequestsWaiting is how many heard vehicles have not yet been asked
// for their telemetry rates.
func (f *Fleet) StreamRequestsWaiting() int { return f.streams.waiting() }

// requestStreams asks a vehicle for the telemetry the GCS needs, one
// SET_MESSAGE_INTERVAL per message in order of id, in one session with
// the vehicle; an ArduPilot that refuses or does not answer the first gets
// REQUEST_DATA_STREAM instead.
func (f *Fleet) requestStreams(vid telemetry.VehicleID, fl Flavour) {
	t, ib, err := f.attachCommand(f.ctx, vid)
	if err != nil {
		return // the fleet is closing, or the vehicle is gone
	}
	defer f.detach(vid, ib)
	ids := make([]uint32, 0, len(f.StreamRates))
	for id := range f.StreamRates {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		s := newCommand(f.sender(vid), vid.SysID(), t.compid, messageInterval(id, f.StreamRates[id]), f.timing(t.rtt))
		err := f.drive(f.ctx, ib, s)
		if f.ctx.Err() != nil {
			return
		}
		if s.res.RTT > 0 {
			f.sampleRTT(vid, s.res.RTT)
			t.rtt = s.res.RTT
		}
		if err != nil && i == 0 {
			if fl == FlavourArduPilot {
				f.requestDataStreams(vid)
			}
			f.Logger.Info("vehicle did not take SET_MESSAGE_INTERVAL", "vehicle", vid, "err", err, "fallback", fl == FlavourArduPilot)
			return
		}
	}
}

// messageInterval is SET_MESSAGE_INTERVAL for message id at hz (0 or less:
// stop sending it, -1 µs).
func messageInterval(id uint32, hz float64) Command {
	us := -1.0
	if hz > 0 {
		us = math.Round(1e6 / hz)
	}
	return cmdLong(common.MAV_CMD_SET_MESSAGE_INTERVAL, float64(id), us)
}

// requestDataStreams is ArduPilot's older way to ask for telemetry.
func (f *Fleet) requestDataStreams(vid telemetry.VehicleID) {
	for _, s := range []struct {
		id   common.MAV_DATA_STREAM
		rate uint16
	}{
		{common.MAV_DATA_STREAM_EXTENDED_STATUS, 2}, {common.MAV_DATA_STREAM_POSITION, 5},
		{common.MAV_DATA_STREAM_EXTRA1, 5}, {common.MAV_DATA_STREAM_EXTRA2, 2}, {common.MAV_DATA_STREAM_EXTRA3, 1},
		{common.MAV_DATA_STREAM_RAW_SENSORS, 1},
	} {
		f.r.send(vid, &common.MessageRequestDataStream{TargetSystem: vid.SysID(), TargetComponent: 1, ReqStreamId: s.id, ReqMessageRate: s.rate, StartStop: 1})
	}
}
