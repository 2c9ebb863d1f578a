package main

import (
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// labelRect is a problem label's box on the page, in CSS pixels.
type labelRect struct {
	L, T, R, B float64
	Text       string
	Messages   int // problems listed in it
	More       int // problems of nearby items counted in it
}

func (a labelRect) overlaps(b labelRect) bool {
	return a.L < b.R && b.L < a.R && a.T < b.B && b.T < a.B
}

// problemLabels are the boxes of the problem labels the map shows (a
// label fading out after it was folded into another has opacity 0: it is
// not shown).
func (p *planPage) problemLabels() []labelRect {
	var out []labelRect
	p.eval(`[...document.querySelectorAll('.bw-plan-problem-tooltip')].filter(e => e.offsetParent !== null && e.style.opacity !== '0')
		.map(e => { const r = e.getBoundingClientRect(); const more = e.querySelector('.bw-plan-problem-more');
			return {L: r.left, T: r.top, R: r.right, B: r.bottom, Text: e.textContent,
				Messages: e.querySelectorAll('.bw-plan-problem-error, .bw-plan-problem-warning').length, More: more ? +more.dataset.count : 0}; })`, &out)
	return out
}

// The review found that at 1024×768 the problem labels of neighbouring
// items sat side by side over the legs, one covering the next. Items close
// together on screen now share one label: no two labels overlap, and every
// problem is still in one of them. Checked at 1024×768, then at 1280×800 and
// after a zoom out (which brings the items closer still).
func TestBrowser_PlanEditor_ProblemLabelsOfNeighboursDoNotOverlap(t *testing.T) {
	p := startPlanDemo(t, 1)
	setViewport(t, p.ctx, 1024, 768)
	b := p.mapBox()

	p.clickSel(`[data-tool="polygon-incl"]`)
	for _, c := range [][2]float64{{0.05, 0.12}, {0.25, 0.12}, {0.25, 0.45}, {0.05, 0.45}, {0.05, 0.12}} {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(inclSel, 1, "the inclusion fence is drawn")
	// One waypoint inside, four outside it a few tens of pixels apart: each
	// of the four and their legs has a problem.
	p.clickSel(`[data-tool="waypoint"]`)
	for _, c := range [][2]float64{{0.15, 0.25}, {0.33, 0.22}, {0.36, 0.27}, {0.39, 0.22}, {0.42, 0.27}} {
		x, y := b.at(c[0], c[1])
		p.click(x, y)
	}
	p.waitCount(waypointSel, 5, "five waypoints are drawn")
	p.clickSel(`[data-tool="select"]`)
	p.waitCount(badWPSel, 4, "the four waypoints outside the fence are highlighted")

	// Every problem the panel lists is on the map: named in a label, or
	// counted in one as nearby; and no two labels overlap.
	check := func(when string) {
		t.Helper()
		var labels []labelRect
		testenv.Eventually(t, 10*time.Second, "every problem on the map "+when, func() bool {
			total := p.count(`.bw-plan-problems li`)
			labels = p.problemLabels()
			n := 0
			for _, l := range labels {
				n += l.Messages + l.More
			}
			return total >= 8 && n == total
		})
		for i := range labels {
			for j := i + 1; j < len(labels); j++ {
				if labels[i].overlaps(labels[j]) {
					t.Fatalf("%s: problem labels overlap:\n %+v\n %+v", when, labels[i], labels[j])
				}
			}
		}
		t.Logf("%s: %d labels for %d problems", when, len(labels), p.count(`.bw-plan-problems li`))
	}
	check("at 1024×768")
	p.screenshot("plan-problem-labels", 1024, 768)
	setViewport(t, p.ctx, 1280, 800)
	check("at 1280×800")
	p.screenshot("plan-problem-labels", 1280, 800)
	before := p.markerCenters()
	p.clickSel(`.leaflet-control-zoom-out`)
	testenv.Eventually(t, 10*time.Second, "the map zoomed out", func() bool {
		after := p.markerCenters()
		return len(after) == len(before) && after[0] != before[0] && p.count(`.leaflet-zoom-anim`) == 0
	})
	check("zoomed out")
	p.screenshot("plan-problem-labels-zoomed-out", 1280, 800)
}
