package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/web/auth"
)

// takDot is a TAK marker's place on the page.
type takDot struct {
	UID  string
	X, Y float64
}

// box is an element's place on the page, in CSS pixels.
type box struct{ L, T, R, B float64 }

func (b box) inside(o box) bool {
	const tol = 1 // sub-pixel rounding
	return b.L >= o.L-tol && b.T >= o.T-tol && b.R <= o.R+tol && b.B <= o.B+tol
}

// The review found that a TAK marker's tooltip could open off the map's left
// edge: Leaflet's "auto" side takes the left for any marker right of the
// map's middle, however long the tooltip (a TAK client's remarks). A row of
// markers across the map, each with long remarks: hovered one by one at
// 1024×768 and at 1280×800, every tooltip lies inside the map.
func TestBrowser_TAKMarkerTooltip_StaysInsideTheMap(t *testing.T) {
	ctx, console := newBrowser(t)
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: filepath.Join(t.TempDir(), "bw.db"),
		tak: takOptions{listen: stringList{"udp://127.0.0.1:0"}, station: "borderwatch"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	authedSystem(t, sys)
	setViewport(t, ctx, 1024, 768)
	browserLoginAs(t, ctx, sys, auth.RoleOperator)

	client, err := net.Dial("udp", sys.tak.receiver.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	remarks := "field team reports two vehicles parked on the ranch road beside the wash, engines running, no lights; watching from the ridge"
	const n = 21
	for k := 0; k < n; k++ {
		// Around the map's first view (31.35, -110.95), about 30 px apart at its zoom.
		ev := takClientEvent(fmt.Sprintf("POI-%d", k), fmt.Sprintf("m%d", k), remarks, 31.35, -110.95+float64(k-n/2)*0.01, time.Now().Add(time.Hour))
		if _, err := client.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 20*time.Second, "the TAK markers drawn", func() bool { return count(t, ctx, `.bw-tak[data-uid]`) == n })

	for _, size := range [][2]int64{{1024, 768}, {1280, 800}} {
		setViewport(t, ctx, size[0], size[1])
		var m box
		var dots []takDot
		// The map has settled into its new size when the markers stop moving.
		var last string
		testenv.Eventually(t, 10*time.Second, "the map settled", func() bool {
			var now string
			if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll('.bw-tak[data-uid] .bw-tak-dot')].map(e => { const r = e.getBoundingClientRect(); return r.left + ',' + r.top; }).join(' ')`, &now)); err != nil {
				t.Fatal(err)
			}
			settled := now == last
			last = now
			return settled
		})
		if err := chromedp.Run(ctx,
			chromedp.Evaluate(`(() => { const r = document.querySelector('.leaflet-container').getBoundingClientRect(); return {L: r.left, T: r.top, R: r.right, B: r.bottom}; })()`, &m),
			chromedp.Evaluate(`[...document.querySelectorAll('.bw-tak[data-uid] .bw-tak-dot')].map(e => { const r = e.getBoundingClientRect();
				return {UID: e.parentElement.dataset.uid, X: r.left + r.width / 2, Y: r.top + r.height / 2}; })`, &dots),
		); err != nil {
			t.Fatal(err)
		}
		mid := (m.L + m.R) / 2
		left, right, checked := 0, 0, 0
		for _, d := range dots {
			if d.X < m.L+10 || d.X > m.R-10 || d.Y < m.T+10 || d.Y > m.B-10 {
				continue // off the map at this size
			}
			if d.X < mid {
				left++
			} else {
				right++
			}
			callsign := "m" + strings.TrimPrefix(d.UID, "POI-")
			// The hovered marker's tooltip (the one before may still be fading
			// out). Each try hovers the marker where it is now: on a busy
			// machine the map may still be settling into the new size.
			var tip *box
			testenv.Eventually(t, 20*time.Second, fmt.Sprintf("%dx%d: the tooltip of %s", size[0], size[1], d.UID), func() bool {
				tip = nil
				var at takDot
				if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => { const e = document.querySelector('.bw-tak[data-uid="`+d.UID+`"] .bw-tak-dot');
					const r = e.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, &at)); err != nil {
					t.Fatal(err)
				}
				d.X, d.Y = at.X, at.Y
				if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
					if err := input.DispatchMouseEvent(input.MouseMoved, m.L+2, m.B-2).Do(ctx); err != nil {
						return err
					}
					return input.DispatchMouseEvent(input.MouseMoved, d.X, d.Y).Do(ctx)
				})); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
					const e = [...document.querySelectorAll('.leaflet-tooltip-pane .leaflet-tooltip')]
						.find(e => e.style.opacity !== '0' && e.textContent.startsWith(`+"`TAK "+callsign+" `"+`));
					if (!e) return null;
					const r = e.getBoundingClientRect(); return {L: r.left, T: r.top, R: r.right, B: r.bottom}; })()`, &tip)); err != nil {
					t.Fatal(err)
				}
				return tip != nil
			})
			if !tip.inside(m) {
				screenshot(t, ctx, screenshotDir(t), fmt.Sprintf("failed-tak-tooltip-%dx%d", size[0], size[1]))
				t.Fatalf("%dx%d: the tooltip of %s at x=%.0f is at %+v, outside the map %+v", size[0], size[1], d.UID, d.X, *tip, m)
			}
			checked++
			if d.X > mid && d.X < mid+40 {
				screenshot(t, ctx, screenshotDir(t), fmt.Sprintf("tak-tooltip-right-of-middle-%dx%d", size[0], size[1]))
			}
		}
		if left < 3 || right < 3 {
			t.Fatalf("%dx%d: %d markers left of the map's middle and %d right of it are on the map; the test needs both", size[0], size[1], left, right)
		}
		t.Logf("%dx%d: %d tooltips inside the map", size[0], size[1], checked)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("browser console errors: %v", errs)
	}
}
