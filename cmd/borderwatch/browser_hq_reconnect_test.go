package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/web/auth"
)

// The HQ's map when its stream is cut: the headquarters stops (its web
// server, /ws/federation and its embedded NATS server), so the page can
// neither stream nor read the view and shows the station's drone stale,
// never live on old data; the HQ starts again on the same ports and store
// (the browser's session is in the store), and the page reconnects by
// itself: the drone is live on the map again and the stream says live.
func TestBrowser_HQ_MapReconnectsAfterHQRestart(t *testing.T) {
	ctx, console := newBrowser(t)
	dir := t.TempDir()
	keyFile, pub := hqKey(t, dir)
	o := serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(dir, "hq.db"),
		fed: fedOptions{listen: "127.0.0.1:0", hq: true, hqName: "hq", hqKey: keyFile, staleAfter: 5 * time.Second}}
	hq, err := startServer(o)
	if err != nil {
		t.Fatal(err)
	}
	running := hq
	t.Cleanup(func() {
		if running != nil {
			running.Close()
		}
	})
	natsURL := hq.fed.embedded.ClientURL()
	startStation(t, dir, "east", natsURL, pub)

	shots := screenshotDir(t)
	setViewport(t, ctx, 1280, 800)
	browserLoginAs(t, ctx, hq, auth.RoleOperator)
	live := `.bw-remote[data-key="east/1"][data-stale="false"]`
	if err := runWithin(ctx, 40*time.Second, chromedp.WaitReady(live, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, shots, "failed-hq-reconnect-first")
		t.Fatalf("east/1 is not live on the HQ's map: %v (console %v)", err, console.list())
	}

	// Cut: the HQ stops. Restart it on the same HTTP and NATS ports.
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	o.http, o.fed.listen = strings.TrimPrefix(hq.web.URL(), "http://"), u.Host
	running = nil
	if err := runWithin(ctx, 20*time.Second,
		chromedp.Click(`.bw-tab[data-tab="hq-stations"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-stations tr[data-station="east"][data-stale="false"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("the stations tab before the cut: %v", err)
	}
	hq.Close()
	if err := runWithin(ctx, 30*time.Second, chromedp.WaitReady(`.bw-remote[data-key="east/1"][data-stale="true"]`, chromedp.ByQuery)); err != nil {
		screenshot(t, ctx, shots, "failed-hq-reconnect-cut")
		t.Fatalf("with the HQ down east/1 is not shown stale: %v", err)
	}
	// The stations table keeps its last answer with the station stale, not
	// "connected", and says the headquarters does not answer.
	if err := runWithin(ctx, 30*time.Second,
		chromedp.WaitVisible(`#bw-hq-stations tr[data-station="east"][data-stale="true"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-stations-error`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-stations-cut")
		t.Fatalf("with the HQ down the stations table does not show east stale: %v", err)
	}
	// Its age counts on while the HQ is down (the page tries again after
	// 0.5, 1, 2 … s), not frozen at the last age heard.
	testenv.Eventually(t, 30*time.Second, "east/1's stale age growing while the HQ is down", func() bool {
		var age float64
		if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const m = /stale (\d+) s/.exec(document.querySelector('#bw-hq-fleet tr[data-key="east/1"]')?.textContent || ""); return m ? Number(m[1]) : -1; })()`, &age)); err != nil {
			t.Fatal(err)
		}
		return age >= 3
	})
	screenshot(t, ctx, shots, "hq-stream-cut-1280x800")
	hq2, err := startServer(o)
	if err != nil {
		t.Fatalf("restarting the HQ on %s: %v", o.http, err)
	}
	running = hq2

	// The back-off is at most 15 s; then the snapshot and the stream.
	if err := runWithin(ctx, 60*time.Second,
		chromedp.WaitReady(live, chromedp.ByQuery),
		chromedp.Click(`.bw-tab[data-tab="hq-stations"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-hq-stream[data-stream="live"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#bw-hq-fleet tr[data-key="east/1"]`, chromedp.ByQuery),
	); err != nil {
		screenshot(t, ctx, shots, "failed-hq-reconnect-back")
		t.Fatalf("after the HQ's restart its map did not reconnect: %v (console %v)", err, console.list())
	}
	screenshot(t, ctx, shots, "hq-stream-back-1280x800")
}
