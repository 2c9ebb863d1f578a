package planner

import (
	"testing"
)

func benchUSMexico(b *testing.B, skipFences bool) {
	lines, side := borderLines(b, "us_mexico_border_lines_ne10m.geojson", "United States of America")
	req := CorridorRequest{
		Border: lines, Side: side, StandoffM: 500, AltM: 120,
		Vehicle: Vehicle{CruiseMS: 25, EnduranceS: 3 * 3600}, Drones: 20, SkipFences: skipFences,
	}
	for b.Loop() {
		if _, err := PlanCorridor(req); err != nil {
			b.Fatal(err)
		}
	}
}

// The whole US–Mexico line (1:10m, ~2640 km), 20 drones, one lane.
func BenchmarkPlanCorridor_USMexico20Drones(b *testing.B) { benchUSMexico(b, false) }

func BenchmarkPlanCorridor_USMexico20DronesNoFences(b *testing.B) { benchUSMexico(b, true) }
