package store_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// benchFrames makes a fleet's frames: ATTITUDE (40 bytes in MAVLink 2, a
// typical telemetry frame) from 10 vehicles at rate Hz each from t0 on.
type benchFrames struct {
	raws [10][]byte
	rate int
}

func newBenchFrames(b testing.TB, rate int) *benchFrames {
	bf := &benchFrames{rate: rate}
	for i := range bf.raws {
		e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: uint8(i + 1), ComponentID: 1}
		raw, err := e.Encode(nil, &common.MessageAttitude{TimeBootMs: 123456, Roll: 0.1, Pitch: -0.2, Yaw: 1.5})
		if err != nil {
			b.Fatal(err)
		}
		bf.raws[i] = raw
	}
	return bf
}

// flyingFrames is a flying fleet's stream, for the sortie tracker: 10 armed
// vehicles, each sending per second 1 HEARTBEAT, 10 ATTITUDE, 4
// GLOBAL_POSITION_INT, 2 SYS_STATUS and 10 VFR_HUD (27 frames; the shape of
// an ArduPilot stream at a ground station's usual rates), the vehicles taking
// turns frame by frame.
type flyingFrames struct {
	raws [10][27][]byte
	ids  [27]uint32
}

func newFlyingFrames(b testing.TB) *flyingFrames {
	ff := &flyingFrames{}
	for v := range ff.raws {
		e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: uint8(v + 1), ComponentID: 1}
		var msgs []message.Message
		msgs = append(msgs, &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
			BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_SAFETY_ARMED, CustomMode: 3, MavlinkVersion: 3})
		for k := range 26 {
			switch {
			case k%13 == 0:
				msgs = append(msgs, &common.MessageSysStatus{BatteryRemaining: int8(90 - v), VoltageBattery: 15800})
			case k%13 == 1 || k%13 == 7:
				msgs = append(msgs, &common.MessageGlobalPositionInt{TimeBootMs: 60000, Lat: 313500000 + int32(k*v), Lon: -1109500000, Alt: 1250000, RelativeAlt: 120000})
			case k%2 == 0:
				msgs = append(msgs, &common.MessageAttitude{TimeBootMs: 60000, Roll: 0.1, Pitch: -0.2, Yaw: 1.5})
			default:
				msgs = append(msgs, &common.MessageVfrHud{Airspeed: 12, Groundspeed: 12, Heading: 90, Throttle: 40, Alt: 1250, Climb: 0.1})
			}
		}
		for k, m := range msgs {
			raw, err := e.Encode(nil, m)
			if err != nil {
				b.Fatal(err)
			}
			ff.raws[v][k] = raw
			ff.ids[k] = m.GetID()
		}
	}
	return ff
}

// frame i of the flying fleet's log: 27 frames per vehicle per second.
func (ff *flyingFrames) frame(i int) telemetry.Frame {
	v := i % 10
	k := (i / 10) % 27
	at := t0.Add(time.Duration(i/10) * time.Second / 27)
	return telemetry.Frame{Time: at, SystemID: uint8(v + 1), ComponentID: 1, MessageID: ff.ids[k], Raw: ff.raws[v][k]}
}

// frame i of the log: vehicles take turns, each at rate Hz.
func (bf *benchFrames) frame(i int) telemetry.Frame {
	v := i % 10
	tick := i / 10
	at := t0.Add(time.Duration(tick)*time.Second/time.Duration(bf.rate) + time.Duration(v)*time.Microsecond)
	return telemetry.Frame{Time: at, SystemID: uint8(v + 1), ComponentID: 1, MessageID: 30, Raw: bf.raws[v]}
}

const durabilityInterval = 100 * time.Millisecond

// plainWriter appends tlog records to a buffered file, with an fsync every
// durabilityInterval of its own running time: the baseline.
type plainWriter struct {
	f       *os.File
	w       *bufio.Writer
	sinceOK time.Duration
}

func (p *plainWriter) write(bf *benchFrames, from, n int) {
	start := time.Now()
	var hdr [8]byte
	for i := from; i < from+n; i++ {
		fr := bf.frame(i)
		binary.BigEndian.PutUint64(hdr[:], uint64(fr.Time.UnixMicro()))
		p.w.Write(hdr[:])
		p.w.Write(fr.Raw)
		if i%1024 == 0 && p.sinceOK+time.Since(start) >= durabilityInterval {
			p.w.Flush()
			p.f.Sync()
			p.sinceOK = -time.Since(start)
		}
	}
	p.sinceOK += time.Since(start)
}

// storeWriter appends as the Recorder does: one transaction (fsynced) per
// durabilityInterval of its own running time.
type storeWriter struct {
	s       *store.Store
	batch   []telemetry.Frame
	sinceOK time.Duration
}

func (w *storeWriter) write(b *testing.B, bf *benchFrames, from, n int) {
	start := time.Now()
	for i := from; i < from+n; i++ {
		w.batch = append(w.batch, bf.frame(i))
		// Commit every interval, or earlier when the (preallocated) batch is
		// full, as the recorder's bounded queue would.
		if len(w.batch) == cap(w.batch) || (i%1024 == 0 && w.sinceOK+time.Since(start) >= durabilityInterval) {
			if err := w.s.AppendFrames(w.batch); err != nil {
				b.Fatal(err)
			}
			clear(w.batch)
			w.batch = w.batch[:0]
			w.sinceOK = -time.Since(start)
		}
	}
	w.sinceOK += time.Since(start)
}

// BenchmarkRecorder compares the recorder's write path with a plain buffered
// file append, both durable (fsync) every 100 ms. "vs-plainfile" measures
// both in one run, interleaved in slices of 200 000 frames so that the shared
// machine's noise falls on both alike, and reports each rate and their ratio;
// "recorder" goes through the hub and the Recorder itself.
func BenchmarkRecorder(b *testing.B) {
	bf := newBenchFrames(b, 50)
	b.Run("vs-plainfile", func(b *testing.B) {
		dir := b.TempDir()
		f, err := os.Create(filepath.Join(dir, "plain.tlog"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		pw := &plainWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}
		s := &store.Store{Path: filepath.Join(dir, "bench.db")}
		if err := s.Initialize(); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		sw := &storeWriter{s: s, batch: make([]telemetry.Frame, 0, 1<<20)}
		var plainT, storeT time.Duration
		b.ResetTimer()
		for done := 0; done < b.N; {
			n := min(200000, b.N-done)
			t := time.Now()
			pw.write(bf, done, n)
			plainT += time.Since(t)
			t = time.Now()
			sw.write(b, bf, done, n)
			storeT += time.Since(t)
			done += n
		}
		t := time.Now()
		pw.w.Flush()
		f.Sync()
		plainT += time.Since(t)
		t = time.Now()
		if err := s.AppendFrames(sw.batch); err != nil {
			b.Fatal(err)
		}
		storeT += time.Since(t)
		b.ReportMetric(float64(b.N)/plainT.Seconds(), "plain-frames/s")
		b.ReportMetric(float64(b.N)/storeT.Seconds(), "store-frames/s")
		b.ReportMetric(plainT.Seconds()/storeT.Seconds(), "store/plain")
	})
	// "chain-vs-nochain" measures what the evidence chain costs on the same
	// write path, both stores in one run, interleaved as above.
	b.Run("chain-vs-nochain", func(b *testing.B) {
		dir := b.TempDir()
		with := &store.Store{Path: filepath.Join(dir, "chain.db")}
		without := &store.Store{Path: filepath.Join(dir, "nochain.db")}
		store.WithoutChain(without)
		for _, s := range []*store.Store{with, without} {
			if err := s.Initialize(); err != nil {
				b.Fatal(err)
			}
			defer s.Close()
		}
		ws := &storeWriter{s: with, batch: make([]telemetry.Frame, 0, 1<<20)}
		wo := &storeWriter{s: without, batch: make([]telemetry.Frame, 0, 1<<20)}
		var withT, withoutT time.Duration
		b.ResetTimer()
		for slice, done := 0, 0; done < b.N; slice++ {
			n := min(200000, b.N-done)
			// Alternate which goes first, so that neither always follows the other's fsync.
			order := []struct {
				sw *storeWriter
				d  *time.Duration
			}{{wo, &withoutT}, {ws, &withT}}
			if slice%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, o := range order {
				t := time.Now()
				o.sw.write(b, bf, done, n)
				*o.d += time.Since(t)
			}
			done += n
		}
		for _, w := range []struct {
			sw *storeWriter
			d  *time.Duration
		}{{ws, &withT}, {wo, &withoutT}} {
			t := time.Now()
			if err := w.sw.s.AppendFrames(w.sw.batch); err != nil {
				b.Fatal(err)
			}
			*w.d += time.Since(t)
		}
		b.ReportMetric(float64(b.N)/withoutT.Seconds(), "nochain-frames/s")
		b.ReportMetric(float64(b.N)/withT.Seconds(), "chain-frames/s")
		b.ReportMetric(withoutT.Seconds()/withT.Seconds(), "chain/nochain")
	})
	b.Run("recorder", func(b *testing.B) { benchRecorder(b, bf.frame) })
	// "recorder-flying" is the same path with every vehicle armed, so that
	// the sortie tracker folds every frame into a sortie and decodes those
	// its statistics need (heartbeats, positions, battery).
	ff := newFlyingFrames(b)
	b.Run("recorder-flying", func(b *testing.B) { benchRecorder(b, ff.frame) })
}

// benchRecorder publishes b.N frames to a hub that a Recorder records.
func benchRecorder(b *testing.B, frame func(int) telemetry.Frame) {
	s := &store.Store{Path: filepath.Join(b.TempDir(), "bench.db")}
	if err := s.Initialize(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var h telemetry.Hub
	r := &store.Recorder{Store: s, Hub: &h, FlushInterval: durabilityInterval, QueueLen: b.N + 1}
	if err := r.Initialize(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish(frame(i))
	}
	r.Close()
	if r.Written() != uint64(b.N) || r.Dropped() != 0 {
		b.Fatalf("recorder wrote %d of %d, dropped %d", r.Written(), b.N, r.Dropped())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// bigStore is a 10-hour log of 10 vehicles at 25 Hz each (9 million frames),
// built once per test binary (a few seconds) in a temporary folder, or reused
// from BORDERWATCH_BENCH_STORE when that names an existing file.
var bigStore struct {
	once sync.Once
	s    *store.Store
	dir  string
	err  error
}

const (
	bigHours = 10
	bigRate  = 25
	bigN     = bigHours * 3600 * bigRate * 10
)

func openBigStore(b *testing.B) *store.Store {
	bigStore.once.Do(func() {
		path := os.Getenv("BORDERWATCH_BENCH_STORE")
		reuse := false
		if path != "" {
			_, err := os.Stat(path)
			reuse = err == nil
		} else {
			bigStore.dir, bigStore.err = os.MkdirTemp("", "borderwatch-bench")
			if bigStore.err != nil {
				return
			}
			path = filepath.Join(bigStore.dir, "10h.db")
		}
		s := &store.Store{Path: path, NoSync: true}
		if bigStore.err = s.Initialize(); bigStore.err != nil {
			return
		}
		bigStore.s = s
		if reuse {
			return
		}
		bf := newBenchFrames(b, bigRate)
		batch := make([]telemetry.Frame, 0, 200000)
		for i := 0; i < bigN; i++ {
			batch = append(batch, bf.frame(i))
			if len(batch) == cap(batch) {
				if bigStore.err = s.AppendFrames(batch); bigStore.err != nil {
					return
				}
				batch = batch[:0]
			}
		}
		bigStore.err = s.AppendFrames(batch)
	})
	if bigStore.err != nil {
		b.Fatal(bigStore.err)
	}
	return bigStore.s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigStore.s != nil {
		bigStore.s.Close()
	}
	if bigStore.dir != "" {
		os.RemoveAll(bigStore.dir)
	}
	os.Exit(code)
}

// BenchmarkSeek seeks to a random time of the 10-hour log and reads the
// first frame of every one of the 10 vehicles (what a replay seek needs
// before it can draw).
func BenchmarkSeek(b *testing.B) {
	s := openBigStore(b)
	rng := rand.New(rand.NewPCG(3, 4))
	span := int64(bigHours * time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := t0.Add(time.Duration(rng.Int64N(span - int64(time.Minute))))
		seen := 0
		var got [256]bool
		err := s.ScanRaw(store.Query{From: at}, func(f *telemetry.Frame) bool {
			if !got[f.Vehicle()] {
				got[f.Vehicle()] = true
				seen++
			}
			return seen < 10
		})
		if err != nil || seen != 10 {
			b.Fatalf("seek to %v: %d vehicles, %v", at, seen, err)
		}
	}
}

// BenchmarkLastBefore is the replay warm-up's per-vehicle backward seek.
func BenchmarkLastBefore(b *testing.B) {
	s := openBigStore(b)
	src := s.Source(0)
	rng := rand.New(rand.NewPCG(5, 6))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := t0.Add(time.Minute + time.Duration(rng.Int64N(int64(9*time.Hour))))
		m, err := src.LastBefore(nil, at)
		if err != nil || len(m) != 10 {
			b.Fatalf("%d vehicles, %v", len(m), err)
		}
	}
}

// peakHeap samples the heap while fn runs.
func peakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return peak.Load()
}

// BenchmarkExportTlog exports the whole 10-hour log (9 M frames) as a tlog.
// peak-heap-MB is the heap's peak above what it held before.
func BenchmarkExportTlog(b *testing.B) {
	s := openBigStore(b)
	b.ResetTimer()
	var frames uint64
	var peak uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peak = max(peak, -before.HeapInuse+peakHeap(func() {
			st, err := export.Window(io.Discard, s, store.Query{}, export.TLog, export.Options{})
			if err != nil {
				b.Fatal(err)
			}
			frames += st.Frames
		}))
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkImportTlog imports a 2-million-frame tlog file (54 MB) into a new
// store with durable commits. peak-heap-MB is the heap's peak above what it
// held before the import (streaming: it does not grow with the file).
func BenchmarkImportTlog(b *testing.B) {
	bf := newBenchFrames(b, 50)
	path := filepath.Join(b.TempDir(), "in.tlog")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := tlog.NewWriter(file)
	const n = 2000000
	for i := 0; i < n; i++ {
		f := bf.frame(i)
		if err := w.Write(f.Time, f.Raw); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	file.Close()
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := &store.Store{Path: filepath.Join(b.TempDir(), "import.db")}
		if err := s.Initialize(); err != nil {
			b.Fatal(err)
		}
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		peak = max(peak, peakHeap(func() {
			res, err := s.ImportTlog(in, "bench", nil)
			if err != nil || res.Frames != n {
				b.Fatalf("imported %d, %v", res.Frames, err)
			}
		})-before.HeapInuse)
		b.StopTimer()
		in.Close()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
