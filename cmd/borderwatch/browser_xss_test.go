package main

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/web/auth"
)

// TestBrowser_Layers_HostileLayerNameIsShownAsText: a layer's name comes
// from whoever uploaded it. Leaflet's layer control inserted it as HTML
// (the stored XSS of issue 9); the UI's own layer list must show it as text
// and no script of it may run.
func TestBrowser_Layers_HostileLayerNameIsShownAsText(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, _, _ := startTestSystem(t, 1)
	base := sys.web.URL()
	const name = `<img src=x onerror=alert(1)>`
	geo := `{"type":"LineString","coordinates":[[-110.96,31.33],[-110.94,31.33]]}`
	u := base + "/api/v1/layers?kind=border&name=" + url.QueryEscape(name)
	req, err := http.NewRequest("POST", u, strings.NewReader(geo))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := apiClient(t, base).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST layer: %s", res.Status)
	}

	// Any dialog (alert(1)) is recorded and dismissed.
	var mu sync.Mutex
	var dialogs []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, d.Message)
			mu.Unlock()
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(false)) }()
		}
	})
	browserLoginAs(t, ctx, sys, auth.RoleOperator)
	if err := runWithin(ctx, 20*time.Second,
		chromedp.WaitReady(`path.bw-layer-border`, chromedp.ByQuery),
		chromedp.Click(`.bw-layerlist summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.bw-layerlist .bw-layer-name`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("layer list: %v (console %v)", err, console.list())
	}
	if got := textOf(t, ctx, `.bw-layerlist .bw-layer-name`); got != name {
		t.Fatalf("layer name shown as %q, want the text %q", got, name)
	}
	if n := count(t, ctx, `img[src="x"]`); n != 0 {
		t.Fatalf("the layer name became %d <img> element(s)", n)
	}
	// An <img onerror> inserted as HTML fails to load "x" at once and calls
	// alert; the checks above ran after the list was drawn, so a dialog
	// would have opened by now.
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) > 0 {
		t.Fatalf("a script of the layer name ran: dialogs %q", dialogs)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
