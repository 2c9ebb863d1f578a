package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/auth"
)

// plotSortie is a recorded 20-minute sortie of two drones: 60 m above home
// but for drone 1's climb to 400 m at 15 min (for 2 s), and detections by
// drone 1 at 5 and 12 min; drone 1 flies the library plan "patrol" v1.
type plotSortie struct {
	t0          time.Time
	spike       time.Time
	detections  []time.Time
	sortieOfOne uint64
}

func recordPlotSortie(t *testing.T, path string) plotSortie {
	t.Helper()
	ps := plotSortie{t0: time.Now().Add(-2 * time.Hour).Truncate(time.Second)}
	ps.spike = ps.t0.Add(15 * time.Minute)
	ps.detections = []time.Time{ps.t0.Add(5 * time.Minute), ps.t0.Add(12 * time.Minute)}
	st := &store.Store{Path: path, NoSync: true}
	if err := st.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var frames []telemetry.Frame
	add := frameAdder(t, &frames)
	hb := func(armed bool) *common.MessageHeartbeat {
		h := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, CustomMode: 3, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED}
		if armed {
			h.BaseMode |= common.MAV_MODE_FLAG_SAFETY_ARMED
		}
		return h
	}
	const total = 20 * 60 * 1000
	for ms := 0; ms <= total; ms += 500 {
		at := ps.t0.Add(time.Duration(ms) * time.Millisecond)
		for id := uint8(1); id <= 2; id++ {
			at := at.Add(time.Duration(id) * time.Millisecond)
			if ms%1000 == 0 {
				add(id, at, hb(ms < total))
				add(id, at, &common.MessageSysStatus{BatteryRemaining: int8(100 - ms/60000)})
			}
			rel := int32(60000)
			if id == 1 && !at.Before(ps.spike) && at.Before(ps.spike.Add(2*time.Second)) {
				rel = 400000
			}
			lat := 31.33 + float64(id)*0.004
			lon := -110.95 + 0.02*float64(ms)/total
			add(id, at, &common.MessageGlobalPositionInt{Lat: int32(lat * 1e7), Lon: int32(lon * 1e7), Alt: 1300000 + rel, RelativeAlt: rel, Vx: 500, Hdg: 9000})
		}
	}
	var events []telemetry.Event
	for i, at := range ps.detections {
		events = append(events, telemetry.Detection{EventHeader: telemetry.EventHeader{Time: at, SystemID: 1},
			TrackID: uint32(i + 1), Class: "person", ConfidencePct: 80, Lat: 31.33, Lon: -110.94})
	}
	if err := st.Append(frames, events); err != nil {
		t.Fatal(err)
	}
	// The plan drone 1 flies, uploaded (and verified) before the sortie.
	plan := &missions.Plan{Mission: []missions.Item{missions.Takeoff(0, 0, 60),
		missions.Waypoint(31.334, -110.95, 60, 0), missions.Waypoint(31.334, -110.93, 60, 0)}}
	data, err := missions.WriteQGCPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SavePlan(store.PlanVersion{Name: "patrol", Author: "ann", ContentType: "application/vnd.qgc.plan+json", Data: data}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordPlanUpload(store.PlanUpload{Time: ps.t0.Add(-time.Minute), Plan: "patrol", Version: 1, SysID: 1, User: "ann", Items: [3]int{3, 0, 0}, Verified: true}); err != nil {
		t.Fatal(err)
	}
	sorties, err := st.Sorties(store.SortieFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range sorties {
		if so.SystemID == 1 && !so.Open {
			ps.sortieOfOne = so.ID
		}
	}
	if ps.sortieOfOne == 0 {
		t.Fatalf("no closed sortie of drone 1 among %+v", sorties)
	}
	return ps
}

// The replay's plots show the whole sortie from the start (GET
// /api/v1/sorties/{id}/series): with the cursor early on, the altitude plot
// already holds the climb to 400 m at 15 min and reaches the sortie's end,
// and its cursor stands at the replay instant. The timeline zoomed in,
// "Evidence for this window" downloads the package of the range the
// timeline shows: it verifies on its own, and it holds the detection inside
// the range and not the one outside. BORDERWATCH_SCREENSHOTS=DIR keeps the
// screenshots.
func TestBrowser_Replay_WholeSortiePlotsAndWindowEvidence(t *testing.T) {
	ctx, console := newBrowser(t)
	db := filepath.Join(t.TempDir(), "bw.db")
	ps := recordPlotSortie(t, db)
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	browserLoginAs(t, ctx, sys, auth.RoleSupervisor)
	downloads := t.TempDir()
	shots := screenshotDir(t)
	row := `#bw-sorties-body tr[data-sortie="` + strconv.FormatUint(ps.sortieOfOne, 10) + `"] .bw-replay-open`
	alt := `.bw-plot[data-plot="alt"]`
	if err := runWithin(ctx, 30*time.Second,
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.Click(`.bw-tab[data-tab="replay"]`, chromedp.ByQuery),
		chromedp.WaitReady(row, chromedp.ByQuery),
		chromedp.Click(row, chromedp.ByQuery),
		chromedp.WaitReady(`#bw-timeline[data-shown]`, chromedp.ByQuery),
		chromedp.WaitReady(alt+`[data-t1] .bw-plot-cursor`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("opening the sortie: %v (console: %v)", err, console.list())
	}
	// Pause near the start (it opens playing at 1×).
	pauseReplay(t, ctx)
	var plot struct {
		T0, T1, YMax string
		Points       string
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const d = document.querySelector('.bw-plot[data-plot="alt"]').dataset;
		return {T0: d.t0, T1: d.t1, YMax: d.ymax, Points: d.points}; })()`, &plot)); err != nil {
		t.Fatal(err)
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("plot attribute %q: %v", s, err)
		}
		return v
	}
	c := readCursors(t, ctx)
	cursor := parseT(t, c.Time)
	end := ps.t0.Add(20 * time.Minute)
	if !cursor.Before(ps.t0.Add(2 * time.Minute)) {
		t.Fatalf("the replay is at %s, not near the start", cursor)
	}
	// 800 points per drone: buckets of 3 s; the data spans the sortie to its last bucket.
	if num(plot.YMax) != 400 || num(plot.T1) < float64(end.Unix())-10 || num(plot.T0) > float64(ps.t0.Unix())+10 || num(plot.Points) > 2*800 {
		t.Fatalf("altitude plot with the cursor at %s: %+v; want the whole sortie (%d–%d) with the 400 m climb at 15 min", cursor, plot, ps.t0.Unix(), end.Unix())
	}
	from, to := parseT(t, c.From), parseT(t, c.To)
	want := float64(cursor.Sub(from)) / float64(to.Sub(from))
	if c.PlotTime != c.Time || c.PlotFrac < want-0.03 || c.PlotFrac > want+0.03 {
		t.Fatalf("plot cursor at %s (%.3f of the plot), replay at %s (%.3f of the sortie)", c.PlotTime, c.PlotFrac, c.Time, want)
	}
	// The plan drone 1 was flying is drawn.
	testenv.Eventually(t, 10*time.Second, "drone 1's plan is drawn", func() bool {
		return count(t, ctx, `path.bw-replay-plan`) == 1
	})
	setViewport(t, ctx, 1280, 800)
	screenshot(t, ctx, shots, "replay-whole-sortie-plots")

	// Seek to 10 min, zoom in once: the timeline shows about 7.5–12.5 min.
	clickTimelineAt(t, ctx, ps.t0.Add(10*time.Minute))
	testenv.Eventually(t, 10*time.Second, "the replay is at 10 min", func() bool {
		c := readCursors(t, ctx)
		return c.Time != "" && parseT(t, c.Time).Sub(ps.t0.Add(10*time.Minute)).Abs() < 5*time.Second
	})
	if err := chromedp.Run(ctx, chromedp.Click(`#bw-tl-zoom-in`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	var view cursorState
	testenv.Eventually(t, 10*time.Second, "the timeline zooms in", func() bool {
		view = readCursors(t, ctx)
		return view.From != "" && parseT(t, view.To).Sub(parseT(t, view.From)) < 6*time.Minute
	})
	vFrom, vTo := parseT(t, view.From), parseT(t, view.To)
	var href string
	if err := chromedp.Run(ctx, chromedp.AttributeValue(`#bw-replay-evidence-window`, "href", &href, nil, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(href)
	if err != nil || u.Path != "/api/v1/evidence" || parseT(t, u.Query().Get("from")).Sub(vFrom).Abs() > time.Millisecond || parseT(t, u.Query().Get("to")).Sub(vTo).Abs() > time.Millisecond {
		t.Fatalf("evidence link %q for the view %s – %s", href, vFrom, vTo)
	}
	screenshot(t, ctx, shots, "replay-window-evidence")
	if err := chromedp.Run(ctx, chromedp.ScrollIntoView(`#bw-replay-evidence-window`, chromedp.ByQuery), chromedp.Click(`#bw-replay-evidence-window`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	var pkg []byte
	testenv.Eventually(t, 30*time.Second, "the window's evidence package is downloaded", func() bool {
		ents, _ := os.ReadDir(downloads)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "window-") && strings.HasSuffix(e.Name(), ".zip") {
				b, err := os.ReadFile(filepath.Join(downloads, e.Name()))
				pkg = b
				return err == nil && len(b) > 0
			}
		}
		return false
	})
	rep, err := export.VerifyEvidence(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil || !rep.OK() || rep.Manifest.Sortie != nil || !rep.Manifest.Window.From.Equal(vFrom) || !rep.Manifest.Window.To.Equal(vTo) {
		t.Fatalf("the downloaded package: %v %v %+v; want the window %s – %s", err, rep.Problems, rep.Manifest, vFrom, vTo)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zr.Open("plans/patrol-v1.plan"); err != nil {
		t.Fatalf("the package does not hold the plan drone 1 was flying: %v", err)
	}
	f, err := zr.Open("events.json")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	var events []struct {
		Type  string `json:"type"`
		Event struct {
			Time time.Time `json:"time"`
		} `json:"event"`
	}
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatal(err)
	}
	wantIn := 0
	for _, d := range ps.detections {
		if !d.Before(vFrom) && d.Before(vTo) {
			wantIn++
		}
	}
	got := 0
	for _, e := range events {
		if e.Type == "detection" {
			if e.Event.Time.Before(vFrom) || !e.Event.Time.Before(vTo) {
				t.Fatalf("the package holds a detection at %s, outside %s – %s", e.Event.Time, vFrom, vTo)
			}
			got++
		}
	}
	if wantIn != 1 || got != wantIn {
		t.Fatalf("the package holds %d detections, want %d (the view %s – %s)", got, wantIn, vFrom, vTo)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
