package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/borderwatch/borderwatch/simulator"
	"github.com/borderwatch/borderwatch/telemetry"
)

// The section of the US–Mexico line near Nogales that a real ArduCopter flew
// across (issue 11): the planner's fence then reached 1.86 km into Mexico,
// and a go-to south of the line was accepted and flown.
var (
	sectionFrom = planner.LatLon{Lat: 31.327, Lon: -110.97}
	sectionTo   = planner.LatLon{Lat: 31.327, Lon: -110.93}
	site        = planner.Site{Name: "Home", Lat: 31.345, Lon: -110.95}
	ours        = "United States of America"
)

const borderFile = "us_mexico_border_lines_ne10m.geojson"

// track watches every position the ground station decodes for a vehicle and
// records the first one on the far side of the border.
type track struct {
	lines [][]orb.Point
	side  geo.Side

	mu       sync.Mutex
	n        int
	crossed  string
	nearestM float64 // nearest approach to the line, metres
}

func (tr *track) watch(ctx context.Context, sub *telemetry.Subscription) {
	var buf []telemetry.Message
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Ready():
		}
		buf = sub.Drain(buf[:0])
		for _, m := range buf {
			st, ok := m.(gcs.VehicleState)
			if !ok || !st.HasPosition {
				continue
			}
			tr.check(st.Lat, st.Lon, st.Mode)
		}
	}
}

func (tr *track) check(lat, lon float64, mode string) {
	loc := geo.LineSide(tr.lines, orb.Point{lon, lat})
	d := loc.Dist * 111_320 * math.Cos(lat*math.Pi/180) // degrees to metres (a lower bound), for the report
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.n++
	if loc.Side == tr.side.Opposite() {
		d = -d
		if tr.crossed == "" {
			tr.crossed = fmt.Sprintf("at %.6f, %.6f in %s", lat, lon, mode)
		}
	}
	if tr.n == 1 || d < tr.nearestM {
		tr.nearestM = d
	}
}

// metresFromLine is the distance from a position to the border line.
func (tr *track) metresFromLine(lat, lon float64) float64 {
	return geo.LineSide(tr.lines, orb.Point{lon, lat}).Dist * 111_320 * math.Cos(lat*math.Pi/180)
}

func (tr *track) result() (int, string, float64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.n, tr.crossed, tr.nearestM
}

// TestBorderPatrol_PlanUploadFly_NeverCrossesTheBorder plans a corridor on
// the real US–Mexico line with the planner, uploads its mission, fence and
// rally points to a simulated autopilot over loopback UDP with verification
// on, enables the fence, flies the patrol, commands a go-to 1 km into Mexico,
// and asserts that no position the ground station ever received lies across
// the line. ArduCopter refuses the go-to (its destination is outside the
// enabled fence); PX4 takes it and its breach action brings it back.
func TestBorderPatrol_PlanUploadFly_NeverCrossesTheBorder(t *testing.T) {
	path := filepath.Join(testenv.SharedData(t), "borders", "extracts", borderFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	layers := func(ref string, kind missions.LayerKind) (*missions.Layer, error) {
		return missions.ParseLayer(data, ref, "US–Mexico border", kind)
	}
	layer, err := layers("border", missions.LayerBorder)
	if err != nil {
		t.Fatal(err)
	}
	lines, side, err := missions.BorderLines(layer, ours)
	if err != nil {
		t.Fatal(err)
	}
	for _, flavor := range []string{"arducopter", "px4"} {
		t.Run(flavor, func(t *testing.T) {
			fw := "ardupilot"
			if flavor == "px4" {
				fw = "px4"
			}
			res, err := planner.Corridor(planner.CorridorRequest{BorderLayer: "border", Side: ours, From: &sectionFrom, To: &sectionTo,
				Sites: []planner.Site{site}, StandoffM: 300, AltM: 60, SpeedMS: 10, EnduranceS: 20 * 60, Drones: 1, Firmware: fw,
				MaxFenceVertices: 64}, layers, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			plan := res.Plans[0].Plan
			// The plan itself keeps to our side: every fence vertex, rally
			// point and positional mission item.
			tr := &track{lines: lines, side: side}
			for _, poly := range plan.Fence.Polygons {
				for _, v := range poly.Vertices {
					if geo.LineSide(lines, v).Side != side {
						t.Fatalf("the planner's fence has a vertex across the border: %v", v)
					}
				}
			}
			for _, it := range plan.Mission {
				if it.HasPosition() && geo.LineSide(lines, orb.Point{it.Params[5], it.Params[4]}).Side != side {
					t.Fatalf("mission item %s at %g, %g is across the border", missions.CommandName(it.Command), it.Params[4], it.Params[5])
				}
			}

			hub := &telemetry.Hub{}
			states := hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState}}, 1<<14)
			defer states.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			go tr.watch(ctx, states)

			f := &gcs.Fleet{Links: []string{"udp://127.0.0.1:0"}, Hub: hub, Logger: discard()}
			if err := f.Initialize(); err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			port := f.LinkAddrs()[0].(*net.UDPAddr).Port
			sim := &simulator.Fleet{GCS: fmt.Sprintf("udp://127.0.0.1:%d", port), Flavor: flavor, Speedup: 40, Rate: 10,
				Scenario: &simulator.Scenario{Name: "e2e-border", Vehicles: []simulator.VehicleSpec{{SysID: 1, Flavor: flavor,
					Home: simulator.Home{Lat: site.Lat, Lon: site.Lon, AltM: 1200}}}}}
			if err := sim.Initialize(); err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			testenv.Eventually(t, 20*time.Second, "the simulated vehicle is heard with a position", func() bool {
				v, ok, _ := f.Vehicle(ctx, 1)
				return ok && v.LinkOK && v.HasPosition && v.Autopilot != "generic"
			})

			rep, err := f.UploadPlan(ctx, 1, plan, gcs.TransferOptions{})
			if err != nil || !rep.Verified {
				t.Fatalf("upload with verification: %v (%+v)", err, rep)
			}
			if flavor == "arducopter" {
				if _, err := f.SetParam(ctx, 1, "FENCE_ENABLE", 1); err != nil {
					t.Fatalf("enable the fence: %v", err)
				}
				mustCmd(t, "mode GUIDED", func() (gcs.CommandResult, error) { return f.SetMode(ctx, 1, "GUIDED") })
			}
			mustCmd(t, "arm", func() (gcs.CommandResult, error) { return f.Arm(ctx, 1, true, false) })
			testenv.Eventually(t, 10*time.Second, "the ground station sees the vehicle armed", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.Armed
			})
			mustCmd(t, "mission_start", func() (gcs.CommandResult, error) { return f.MissionStart(ctx, 1) })
			testenv.Eventually(t, 90*time.Second, "the patrol is under way along the border (within 500 m of it)", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return v.RelAltM > 30 && tr.metresFromLine(v.Lat, v.Lon) < 500
			})

			// Go-to 1 km south of the line, across it.
			v, _, _ := f.Vehicle(ctx, 1)
			near := geo.LineSide(lines, orb.Point{v.Lon, v.Lat}).Closest
			target := orb.Point{near[0], near[1] - 0.009}
			if geo.LineSide(lines, target).Side != side.Opposite() {
				t.Fatalf("the go-to target %v is not across the border", target)
			}
			r, err := f.Goto(ctx, 1, target[1], target[0], 60)
			t.Logf("%s: go-to across the border answered %q (%v)", flavor, r.Status, err)
			if flavor == "arducopter" && (err == nil && r.Result == 0) {
				t.Fatalf("ArduCopter with its fence enabled accepted a go-to across the border")
			}
			// Fly on: ArduCopter along its patrol (the go-to was refused),
			// PX4 towards the target until its fence breach action (Return)
			// turns it back; both end on the ground at the launch site.
			if flavor == "px4" {
				testenv.Eventually(t, 90*time.Second, "PX4's fence breach action (Return)", func() bool {
					v, _, _ := f.Vehicle(ctx, 1)
					return strings.Contains(strings.ToUpper(v.Mode), "RTL")
				})
			}
			testenv.Eventually(t, 120*time.Second, "the vehicle back on the ground", func() bool {
				v, _, _ := f.Vehicle(ctx, 1)
				return !v.Armed
			})
			n, crossed, nearest := tr.result()
			if n < 100 {
				t.Fatalf("only %d positions seen", n)
			}
			if crossed != "" {
				t.Fatalf("the drone crossed the border %s", crossed)
			}
			t.Logf("%s: %d positions, never across the line; nearest approach %.0f m", flavor, n, nearest)
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustCmd(t *testing.T, what string, fn func() (gcs.CommandResult, error)) {
	t.Helper()
	r, err := fn()
	if err != nil || r.Status != "accepted" {
		t.Fatalf("%s: %v %+v", what, err, r)
	}
}
