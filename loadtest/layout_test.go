package loadtest

import (
	"strings"
	"testing"
)

// Every position a drone flies maps back to it, stays inside every view
// that holds it and outside every view that does not: the client's count
// of in-view positions depends on it.
func TestLayout_PositionsNameTheirDroneAndStayInTheirViews(t *testing.T) {
	for _, tc := range []struct{ drones, inView, clients int }{{20, 4, 5}, {250, 100, 100}, {2000, 100, 7}, {7, 100, 3}} {
		l := newLayout(tc.drones, tc.inView)
		for k := range tc.clients {
			first := l.viewFirstRow(k, tc.clients)
			if n := l.viewSize(first); n < 1 || n > 2*tc.inView {
				t.Fatalf("%+v: view %d holds %d drones", tc, k, n)
			}
			b := l.bbox(first)
			for i := range tc.drones {
				for tick := 0; tick < 600; tick += 7 {
					lat, lon := l.position(i, tick, 10)
					if got := l.drone(lat, lon); got != i {
						t.Fatalf("%+v: drone %d at tick %d maps to %d", tc, i, tick, got)
					}
					inside := lon >= b[0] && lat >= b[1] && lon <= b[2] && lat <= b[3]
					if inside != l.inView(i, first) {
						t.Fatalf("%+v: drone %d at (%v, %v): inside bbox %v of view %d is %v, inView says %v", tc, i, lat, lon, b, k, inside, l.inView(i, first))
					}
				}
			}
		}
	}
}

func TestParseMetrics_SumsLabelsSkipsComments(t *testing.T) {
	m, err := parseMetrics(strings.NewReader(`# HELP borderwatch_link_frames_total x
# TYPE borderwatch_link_frames_total counter
borderwatch_link_frames_total{link="udp://a"} 10
borderwatch_link_frames_total{link="udp://b {odd}"} 5
process_cpu_seconds_total 1.5e+00
`))
	if err != nil || m[mLinkFrames] != 15 || m[mCPU] != 1.5 {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := parseMetrics(strings.NewReader("x{a=\"b\"} notanumber\n")); err == nil {
		t.Fatal("a bad value was accepted")
	}
}
