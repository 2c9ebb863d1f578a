package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

const homeSel = `.bw-plan-icon.bw-plan-home [data-home]`

// homeAltJSON is how the plan library holds a home: alt_m null when unknown.
type homeAltJSON struct {
	Plan struct {
		Home *struct {
			Lat  float64  `json:"lat"`
			Lon  float64  `json:"lon"`
			AltM *float64 `json:"alt_m"`
		} `json:"home"`
	} `json:"plan"`
}

func TestBrowser_PlanEditor_HomeToolSetsDragsAndValidatesHome(t *testing.T) {
	p := startPlanDemo(t, 1)
	b := p.mapBox()

	// A waypoint north of the demo border, then home placed south of it.
	p.clickSel(`[data-tool="waypoint"]`)
	x, y := b.at(0.5, 0.25)
	p.click(x, y)
	p.waitCount(waypointSel, 1, "the waypoint is drawn")
	p.clickSel(`[data-tool="home"]`)
	x, y = b.at(0.5, 0.97)
	p.click(x, y)
	p.waitCount(homeSel, 1, "home is drawn")
	if p.count(`[data-tool="home"].bw-plan-tool-active`) != 0 {
		t.Fatal("the home tool stays active after placing home")
	}
	// Far from any drone's home, its ground altitude is unknown: null, with a note.
	p.waitCount(`.bw-plan-home-row[data-home="unknown"] .bw-plan-home-note`, 1, "the unknown altitude is noted")
	// The server judges home with the rest: the leg from home crosses the
	// border (and, as home's side is taken as ours, the waypoint is across).
	p.waitCount(`path.bw-plan-edit-leg.bw-plan-bad[data-from="-1"]`, 1, "the leg from home is highlighted")
	testenv.Eventually(t, 10*time.Second, "the problem's message is on the map at the leg from home", func() bool {
		var all string
		p.eval(`[...document.querySelectorAll('.bw-plan-problem-tooltip')].map(e => e.textContent).join(' | ')`, &all)
		return strings.Contains(all, "the leg from home to mission item 1 (WAYPOINT) crosses the border")
	})
	p.screenshot("plan-home-across", 1280, 800)
	setViewport(t, p.ctx, 1280, 800)
	b = p.mapBox()

	// Dragged north, next to the waypoint, the problem clears.
	var at []float64
	p.eval(`(() => { const r = document.querySelector('`+homeSel+`').getBoundingClientRect(); return [r.left + r.width/2, r.top + r.height/2]; })()`, &at)
	tx, ty := b.at(0.45, 0.3)
	p.drag(at[0], at[1], tx, ty)
	p.waitCount(`path.bw-plan-edit-leg.bw-plan-bad`, 0, "home north of the border: no leg is highlighted")
	p.waitCount(`.bw-plan-problem-tooltip`, 0, "no problem is left on the map")

	// The operator knows the ground's altitude: typed, it is kept.
	p.run(setInput(`input[name="home-alt"]`, "1201.5"), chromedp.Blur(`input[name="home-alt"]`, chromedp.ByQuery))
	p.waitCount(`.bw-plan-home-row[data-home="known"]`, 1, "the typed altitude is kept")

	// Taking the drone's reported home: that site, with its altitude.
	v := getVehicles(t, p.base)[0]
	if v.Home == nil {
		t.Fatal("the demo drone has sent no home")
	}
	p.setSelect(`select[name="home-from"]`, fmt.Sprint(v.ID))
	testenv.Eventually(t, 10*time.Second, "home is the drone's", func() bool {
		return strings.Contains(p.text(`.bw-plan-home-pos`), fmt.Sprintf("%.5f, %.5f", v.Home.Lat, v.Home.Lon))
	})

	// Saved to the library, the plan holds that home and altitude; a home
	// with an unknown altitude is saved as null.
	save := func(name string) homeAltJSON {
		t.Helper()
		p.run(setInput(`input[name="plan-name"]`, name))
		p.eval(`document.querySelector('input[name="plan-name"]').dispatchEvent(new Event("change", {bubbles: true}))`, nil)
		p.clickSel(`[data-action="save"]`)
		testenv.Eventually(t, 10*time.Second, "the plan is saved", func() bool {
			return strings.Contains(p.text(`.bw-plan-note`), fmt.Sprintf("Saved %q", name))
		})
		var got homeAltJSON
		getJSON(t, p.base, "/api/v1/plans/"+name, &got)
		if got.Plan.Home == nil {
			t.Fatalf("plan %s saved without home", name)
		}
		return got
	}
	got := save("home-known")
	if h := got.Plan.Home; h.AltM == nil || math.Abs(*h.AltM-v.Home.AltM) > 0.01 || math.Abs(h.Lat-v.Home.Lat) > 1e-7 {
		t.Fatalf("saved home %+v (alt %v), want the drone's %+v", h, h.AltM, v.Home)
	}
	p.run(setInput(`input[name="home-alt"]`, ""), chromedp.Blur(`input[name="home-alt"]`, chromedp.ByQuery))
	p.waitCount(`.bw-plan-home-row[data-home="unknown"]`, 1, "the altitude is unknown again")
	if got := save("home-unknown"); got.Plan.Home.AltM != nil {
		t.Fatalf("an unknown home altitude was saved as %v, want null", *got.Plan.Home.AltM)
	}

	// Clear removes home (the drone's home may lie under a detection's
	// marker, so the test uses the button rather than a right-click there).
	p.clickSel(`[data-action="clear-home"]`)
	p.waitCount(homeSel, 0, "home is removed")
	if errs := p.console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
