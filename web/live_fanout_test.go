package web

import (
	"encoding/json"
	"log/slog"
	"math/rand"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// runFanout feeds one vehicle's states (at the given receive times) to a
// fan-out with one client in the default view (10 Hz class), in batches
// whose fake times step by 20 ms, or by stall now and then (a fan-out held
// up on a busy machine). It returns the mission_seq of each state the
// client got, per batch.
func runFanout(t *testing.T, times []time.Time, stall time.Duration, seed int64) ([][]int, *liveCounters) {
	t.Helper()
	f := &liveFanout{clients: map[*liveClient]struct{}{}, counters: &liveCounters{}, logger: slog.Default()}
	c := newLiveClient()
	f.clients[c] = struct{}{}
	rng := rand.New(rand.NewSource(seed))
	now := times[0]
	end := times[len(times)-1].Add(2 * time.Second)
	var batches [][]int
	next := 0
	for now.Before(end) {
		step := liveBatchInterval
		if stall > 0 && rng.Intn(25) == 0 {
			step = stall
		}
		now = now.Add(step)
		var msgs []telemetry.Message
		for ; next < len(times) && !times[next].After(now); next++ {
			st := gcs.NewVehicleState(1)
			st.Time, st.MissionSeq = times[next], next
			msgs = append(msgs, st)
		}
		f.tick(now, msgs)
		got, _ := c.take(nil)
		var seqs []int
		for _, p := range got {
			seqs = append(seqs, lastSeq(t, p.enc))
		}
		batches = append(batches, seqs)
	}
	return batches, f.counters
}

func lastSeq(t *testing.T, b []byte) int {
	t.Helper()
	var st struct {
		MissionSeq int `json:"mission_seq"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.MissionSeq
}

// A 10 Hz vehicle with jitter, the fan-out stalled for 300 ms now and then:
// the backlog goes out one state per batch, in order, and none is lost.
func TestLiveFanout_StalledBatches_EveryStateSentOnePerBatch(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var times []time.Time
	for k := range 300 {
		times = append(times, t0.Add(time.Duration(k)*100*time.Millisecond+time.Duration(rng.Intn(60)-30)*time.Millisecond))
	}
	batches, counters := runFanout(t, times, 300*time.Millisecond, 1)
	want := 0
	for _, b := range batches {
		if len(b) > 1 {
			t.Fatalf("two states of one vehicle in one batch: %v", b)
		}
		for _, seq := range b {
			if seq != want {
				t.Fatalf("got state %d, want %d next", seq, want)
			}
			want++
		}
	}
	if want != len(times) || counters.rateCoalesced.Load() != 0 {
		t.Fatalf("sent %d of %d states, %d coalesced", want, len(times), counters.rateCoalesced.Load())
	}
}

// A vehicle sending at 50 Hz is brought down to about the class's rate
// (10 Hz and its 20 % margin), each batch carrying its latest state.
func TestLiveFanout_FastVehicle_CappedAtTheClassRate(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var times []time.Time
	for k := range 500 { // 10 s at 50 Hz
		times = append(times, t0.Add(time.Duration(k)*20*time.Millisecond+time.Millisecond))
	}
	batches, counters := runFanout(t, times, 0, 1)
	sent, last := 0, -1
	for _, b := range batches {
		for _, seq := range b {
			if seq <= last {
				t.Fatalf("state %d after %d", seq, last)
			}
			last = seq
			sent++
		}
	}
	// 10 s × 12 states/s plus the bucket's first second.
	if max := int(10*liveRates[0]*liveRateMargin + liveBurst(0)); sent > max || sent < 100 {
		t.Fatalf("sent %d states of a 50 Hz vehicle in 10 s, want 100 to %d", sent, max)
	}
	if last != len(times)-1 || counters.rateCoalesced.Load() == 0 {
		t.Fatalf("the last state sent was %d of %d (coalesced %d)", last, len(times)-1, counters.rateCoalesced.Load())
	}
}
