package planner

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func benchUSMexico(b *testing.B, skipFences bool) {
	lines, side := borderLines(b, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	req := CorridorParams{
		Border: lines, Side: side, StandoffM: 500, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 25, EnduranceS: 3 * 3600}, Drones: 20, SkipFences: skipFences,
	}
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := PlanCorridor(req); err != nil {
			b.Fatal(err)
		}
	}
	// The machine is shared: CPU time per plan says what the planner costs
	// when wall time is inflated by other load.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The whole US–Mexico line (1:10m, ~2640 km), 20 drones, one lane.
func BenchmarkPlanCorridor_USMexico20Drones(b *testing.B) { benchUSMexico(b, false) }

func BenchmarkPlanCorridor_USMexico20DronesNoFences(b *testing.B) { benchUSMexico(b, true) }

// Transit queries across a 100 km square with 500 exclusion zones (5-12
// vertices, 0.3-1.5 km), 30 m margin; the router is built once.
func BenchmarkTransit_Route500Zones(b *testing.B) {
	tr, err := NewTransit(TransitConfig{Exclusions: randomZones(500, 11), MarginM: 30})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var pairs [][]orb.Point
	for len(pairs) < 32 {
		ab := metres(orb.Point{-50_000 + rng.Float64()*10_000, (rng.Float64() - 0.5) * 90_000},
			orb.Point{40_000 + rng.Float64()*10_000, (rng.Float64() - 0.5) * 90_000})
		if _, err := tr.Route(ab[0], ab[1]); err == nil {
			pairs = append(pairs, ab)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ab := pairs[i%len(pairs)]
		if _, err := tr.Route(ab[0], ab[1]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewTransit_500Zones(b *testing.B) {
	zones := randomZones(500, 11)
	for b.Loop() {
		if _, err := NewTransit(TransitConfig{Exclusions: zones, MarginM: 30}); err != nil {
			b.Fatal(err)
		}
	}
}

// A 100 km section near Nogales (the issue 11 neighbourhood), 3 drones, with
// fences: the section path, where fences meet the border past its ends.
func BenchmarkPlanCorridor_USMexicoSection100km(b *testing.B) {
	lines, side := borderLines(b, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	from, to := orb.Point{-111.6, 31.48}, orb.Point{-110.55, 31.33}
	req := CorridorParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: 500, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 15, EnduranceS: 3600}, Drones: 3}
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := PlanCorridor(req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// plan fence over 300 km of the US–Mexico line, 300 m from it, 5 km deep.
func BenchmarkGenerateFence_USMexico300km(b *testing.B) {
	lines, side := borderLines(b, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	from, to := orb.Point{-111.5, 31.5}, orb.Point{-108.5, 31.33}
	req := FenceParams{Border: lines, Side: side, From: &from, To: &to, StandoffM: 300, DepthM: 5000}
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := GenerateFence(req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}
