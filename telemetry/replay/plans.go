package replay

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// FlownUploads is, for each vehicle of the window (every vehicle with an
// upload when the window names none), the last upload before the window's
// end that the vehicle acknowledged and verified: the plan it was flying.
// An imported log has none. Every upload names a library version (web records one for plans from
// outside the library), so the caller can draw it. Ordered by vehicle.
func FlownUploads(st *store.Store, w Window) ([]store.PlanUpload, error) {
	if w.Stream != 0 {
		return []store.PlanUpload{}, nil // an imported log: nothing was uploaded through this server
	}
	all, err := st.PlanUploads("", 0)
	if err != nil {
		return nil, fmt.Errorf("replay: plans flown: %w", err)
	}
	last := map[telemetry.VehicleID]store.PlanUpload{}
	for _, u := range all {
		if !u.Verified || u.Error != "" || u.Plan == "" || !u.Time.Before(w.To) {
			continue
		}
		if len(w.Vehicles) > 0 && !slices.Contains(w.Vehicles, u.Vehicle) {
			continue
		}
		if prev, ok := last[u.Vehicle]; !ok || !u.Time.Before(prev.Time) {
			last[u.Vehicle] = u
		}
	}
	out := make([]store.PlanUpload, 0, len(last))
	for _, u := range last {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b store.PlanUpload) int { return cmp.Compare(a.Vehicle, b.Vehicle) })
	return out, nil
}
