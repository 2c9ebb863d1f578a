package main

import (
	"encoding/json"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/web/ui"
)

// BenchmarkBrowser_Map1000MovingDrones measures, inside headless Chromium,
// what one map update costs with 1000 drones that all moved: reading the
// /ws/live message (JSON and the fleet store) and drawing the canvas.
// Figures go to docs/performance.md.
//
// The page is the real embedded UI; the server side is a small stand-in
// that answers the session, layers and history calls and streams vehicle
// messages, because one MAVLink network holds at most 254 vehicles and the
// quantity measured is the browser's work, not the server's (loadtest
// measures that).
func BenchmarkBrowser_Map1000MovingDrones(b *testing.B) {
	const drones = 1000
	ctx, console := newBrowser(b)
	dist, err := fs.Sub(ui.Dist, "dist")
	if err != nil {
		b.Fatal(err)
	}
	updates := make(chan []byte)
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(dist))
	jsonAnswer := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}
	}
	mux.HandleFunc("GET /api/v1/session", jsonAnswer(`{"user":"bench","role":"supervisor","permissions":["watch"]}`))
	mux.HandleFunc("GET /api/v1/layers", jsonAnswer(`[]`))
	mux.HandleFunc("GET /api/v1/alerts", jsonAnswer(`[]`))
	mux.HandleFunc("GET /api/v1/detections", jsonAnswer(`[]`))
	up := websocket.Upgrader{}
	mux.HandleFunc("GET /ws/live", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for msg := range updates {
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)

	type vehicle struct {
		ID          int                `json:"id"`
		SysID       int                `json:"sysid"`
		Autopilot   string             `json:"autopilot"`
		Mode        string             `json:"mode"`
		Armed       bool               `json:"armed"`
		Lat         float64            `json:"lat"`
		Lon         float64            `json:"lon"`
		RelAltM     float64            `json:"rel_alt_m"`
		HeadingDeg  float64            `json:"heading_deg"`
		Speed       float64            `json:"groundspeed_m_s"`
		BatteryPct  int                `json:"battery_pct"`
		LinkOK      bool               `json:"link_ok"`
		HasPosition bool               `json:"has_position"`
		LandedState string             `json:"landed_state"`
		Home        map[string]float64 `json:"home"`
	}
	// The drones circle in a 0.1° square around Nogales, all in view.
	frame := func(step int) []byte {
		vs := make([]vehicle, drones)
		for i := range vs {
			a := float64(step)*0.05 + float64(i)
			lat0 := 31.30 + 0.1*float64(i%32)/32
			lon0 := -111.0 + 0.1*float64(i/32)/32
			vs[i] = vehicle{ID: i + 1, SysID: i + 1, Autopilot: "ardupilot", Mode: "AUTO", Armed: true,
				Lat: lat0 + 0.002*math.Sin(a), Lon: lon0 + 0.002*math.Cos(a), RelAltM: 100,
				HeadingDeg: math.Mod(a*57.3, 360), Speed: 12, BatteryPct: 80 - i%70, LinkOK: i%50 != 0,
				HasPosition: true, LandedState: "in_air", Home: map[string]float64{"lat": lat0, "lon": lon0, "alt_m": 1200}}
		}
		msg, err := json.Marshal(map[string]any{"type": "vehicles", "vehicles": vs, "dropped": 0})
		if err != nil {
			b.Fatal(err)
		}
		return msg
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(`canvas.bw-drones`, chromedp.ByQuery)); err != nil {
		b.Fatal(err)
	}
	type stats struct {
		Draws, Messages                int
		DrawMs, DrawMax, MsgMs, MsgMax float64
		Drawn                          int
	}
	read := func() stats {
		var s stats
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const c = document.querySelector("canvas.bw-drones");
			return {Draws: c.bwStats.draws, DrawMs: c.bwStats.totalMs, DrawMax: c.bwStats.maxMs,
				Messages: c.bwMessageStats.messages, MsgMs: c.bwMessageStats.totalMs, MsgMax: c.bwMessageStats.maxMs,
				Drawn: c.bwDrawn.size}; })()`, &s)); err != nil {
			b.Fatal(err)
		}
		return s
	}
	// Warm up: the first frame creates every drone and lets the JIT settle.
	updates <- frame(0)
	testenv.Eventually(b, 20*time.Second, "1000 drones are drawn", func() bool { return read().Drawn == drones })
	before := read()
	// 10 Hz, the rate the live stream sends a busy fleet at; each update moves every drone.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		<-tick.C
		updates <- frame(i + 1)
	}
	b.StopTimer()
	testenv.Eventually(b, 20*time.Second, "every update is read", func() bool { return read().Messages >= before.Messages+b.N })
	after := read()
	close(updates)
	draws := after.Draws - before.Draws
	msgs := after.Messages - before.Messages
	if draws == 0 || msgs == 0 {
		b.Fatalf("no update measured: %d draws, %d messages", draws, msgs)
	}
	drawMs := (after.DrawMs - before.DrawMs) / float64(draws)
	msgMs := (after.MsgMs - before.MsgMs) / float64(msgs)
	b.ReportMetric(drawMs, "draw-ms/update")
	b.ReportMetric(msgMs, "read-ms/update")
	b.ReportMetric(drawMs+msgMs, "ms/update")
	b.ReportMetric(after.DrawMax, "draw-max-ms")
	b.Logf("%d updates of %d drones: %d draws %.2f ms each (max %.2f), %d messages read %.2f ms each (max %.2f)",
		b.N, drones, draws, drawMs, after.DrawMax, msgs, msgMs, after.MsgMax)
	if errs := console.list(); len(errs) > 0 {
		b.Fatalf("browser console errors: %v", errs)
	}
}
