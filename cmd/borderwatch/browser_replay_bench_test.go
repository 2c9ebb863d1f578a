package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// recordFleetHours writes hours of 10 armed drones flying side by side
// into a new store at path: HEARTBEAT and SYS_STATUS at 1 Hz,
// GLOBAL_POSITION_INT at 5 Hz, a detection per drone every minute. The
// drones fly east-west legs, so every instant has its own positions.
func recordFleetHours(b *testing.B, path string, hours int, t0 time.Time) {
	st := &store.Store{Path: path, NoSync: true}
	if err := st.Initialize(); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var frames []telemetry.Frame
	var events []telemetry.Event
	add := frameAdder(b, &frames)
	hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, CustomMode: 3,
		BaseMode: common.MAV_MODE_FLAG_SAFETY_ARMED | common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED}
	for ms := 0; ms < hours*3600*1000; ms += 200 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		// A 20-minute leg east then back west, 0.1° long.
		leg := float64(ms%2400000) / 1200000
		if leg > 1 {
			leg = 2 - leg
		}
		for id := uint8(1); id <= 10; id++ {
			at := at.Add(time.Duration(id) * time.Millisecond)
			lat, lon := 31.30+float64(id)*0.005, -111.0+leg*0.1
			if ms%1000 == 0 {
				add(id, at, hb)
				add(id, at, &common.MessageSysStatus{BatteryRemaining: int8(100 - ms/400000)})
			}
			add(id, at, &common.MessageGlobalPositionInt{Lat: int32(lat * 1e7), Lon: int32(lon * 1e7), Alt: 1300000, RelativeAlt: 120000, Hdg: 9000, Vx: 1000})
			if ms%60000 == 0 {
				events = append(events, telemetry.Detection{EventHeader: telemetry.Header(at, telemetry.VehicleID(id)),
					TrackID: uint32(ms / 60000), Class: "person", ConfidencePct: 80, Lat: lat - 0.002, Lon: lon})
			}
		}
		if ms%10000 == 9800 {
			if err := st.Append(frames, events); err != nil {
				b.Fatal(err)
			}
			frames, events = frames[:0], events[:0]
		}
	}
}

// BenchmarkBrowser_ReplayOpenAndSeek10h10Drones measures, in headless
// Chromium against the real server, opening a 10-hour sortie of 10 drones
// (whole fleet in sync) until all ten are drawn, replayOpens times (closed
// in between), and seeking to random instants: from the click on the
// timeline until the page has drawn the snapshot of that instant (the reset
// applied, then the next two animation frames, the first of which paints
// the map). Figures: ms/open (median), first-ms/open (cold), max-ms/open,
// ms/seek (mean), p95-ms/seek, max-ms/seek. docs/performance.md has the
// command.
func BenchmarkBrowser_ReplayOpenAndSeek10h10Drones(b *testing.B) {
	const replayOpens = 7
	db := filepath.Join(b.TempDir(), "bw.db")
	t0 := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	recordFleetHours(b, db, 10, t0)
	// The browser after the recording: its time limit runs from the first use.
	ctx, console := newBrowser(b)
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: db})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sys.Close)
	browserLoginAs(b, ctx, sys, auth.RoleSupervisor)
	if err := chromedp.Run(ctx,
		chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-sorties-body tr[data-sortie="1"] .bw-replay-open`, chromedp.ByQuery),
	); err != nil {
		b.Fatalf("login and sortie list: %v (console: %v)", err, console.list())
	}
	// In-page timing: the click and the drawing happen in the page, so the
	// figure holds no DevTools round trips.
	const waitShown = `(prev, done) => new Promise((resolve, reject) => {
		const t1 = performance.now() + 20000;
		const poll = () => {
			const el = document.querySelector("#bw-timeline");
			const c = document.querySelector("canvas.bw-drones");
			if (el && el.dataset.shown && el.dataset.shown !== prev && c && c.bwDrawn && c.bwDrawn.size >= 10 && done(el)) {
				requestAnimationFrame(() => requestAnimationFrame(() => resolve(el.dataset.shown)));
			} else if (performance.now() > t1) reject(new Error("not shown in 20 s"));
			else setTimeout(poll, 1);
		};
		poll();
	})`
	// Opened replayOpens times (closed in between): the first open is cold
	// (server and browser caches), the median says what a supervisor sees.
	var opens []float64
	for i := 0; i < replayOpens; i++ {
		var ms float64
		js := fmt.Sprintf(`(async () => { const t = performance.now();
			document.querySelector('#bw-sorties-body tr[data-sortie="1"] .bw-replay-open').click();
			await (%s)("", () => true);
			return performance.now() - t; })()`, waitShown)
		if err := chromedp.Run(ctx, chromedp.Evaluate(js, &ms, awaitPromise)); err != nil {
			b.Fatalf("opening: %v (console: %v)", err, console.list())
		}
		b.Logf("open %d: %.0f ms", i, ms)
		opens = append(opens, ms)
		if i == replayOpens-1 {
			break
		}
		// Let what loads after the drones (timeline, plots, plans) finish, then close.
		if err := chromedp.Run(ctx,
			chromedp.WaitReady(`.bw-plot[data-plot="alt"] .bw-plot-cursor`, chromedp.ByQuery),
			chromedp.Click(`#bw-replay-close`, chromedp.ByQuery),
			chromedp.WaitReady(`#bw-sorties-body tr[data-sortie="1"] .bw-replay-open`, chromedp.ByQuery),
		); err != nil {
			b.Fatalf("closing: %v (console: %v)", err, console.list())
		}
	}
	firstOpen := opens[0]
	slices.Sort(opens)
	openMs := opens[len(opens)/2]
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-replay-play`, chromedp.ByQuery)); err != nil { // pause
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var seeks []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		frac := 0.02 + 0.96*rng.Float64()
		var ms float64
		js := fmt.Sprintf(`(async () => { const tr = document.querySelector("#bw-tl-track"), r = tr.getBoundingClientRect();
			const prev = document.querySelector("#bw-timeline").dataset.shown;
			const t = performance.now();
			tr.dispatchEvent(new MouseEvent("click", {bubbles: true, clientX: r.left + r.width * %f, clientY: r.bottom - 3}));
			await (%s)(prev, () => true);
			return performance.now() - t; })()`, frac, waitShown)
		if err := chromedp.Run(ctx, chromedp.Evaluate(js, &ms, awaitPromise)); err != nil {
			b.Fatalf("seek %d: %v (console: %v)", i, err, console.list())
		}
		seeks = append(seeks, ms)
		b.Logf("seek %d to %.0f%%: %.0f ms", i, frac*100, ms)
	}
	b.StopTimer()
	slices.Sort(seeks)
	var sum float64
	for _, s := range seeks {
		sum += s
	}
	b.ReportMetric(openMs, "ms/open")
	b.ReportMetric(firstOpen, "first-ms/open")
	b.ReportMetric(opens[len(opens)-1], "max-ms/open")
	b.ReportMetric(sum/float64(len(seeks)), "ms/seek")
	b.ReportMetric(seeks[(len(seeks)*95)/100], "p95-ms/seek")
	b.ReportMetric(seeks[len(seeks)-1], "max-ms/seek")
	if errs := console.list(); len(errs) > 0 {
		b.Fatalf("browser console errors: %v", errs)
	}
}

// frameAdder returns a function that encodes m as vehicle id sends it
// (component 1, its own sequence numbers) and appends the frame to *frames.
func frameAdder(tb testing.TB, frames *[]telemetry.Frame) func(id uint8, at time.Time, m message.Message) {
	encs := map[uint8]*mavwire.Encoder{}
	return func(id uint8, at time.Time, m message.Message) {
		e := encs[id]
		if e == nil {
			e = &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: id, ComponentID: 1}
			encs[id] = e
		}
		raw, err := e.Encode(nil, m)
		if err != nil {
			tb.Fatal(err)
		}
		*frames = append(*frames, telemetry.Frame{Time: at, SystemID: id, ComponentID: 1, MessageID: m.GetID(), Raw: raw})
	}
}

// awaitPromise makes chromedp.Evaluate wait for the promise the script returns.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
