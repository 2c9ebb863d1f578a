package telemetry

import (
	"slices"
	"testing"
)

// The fleet's and the store's descriptions of the same networks join by
// number: links and live counts from one, names and recorded counts from
// the other; the default network is always there; the order is by number.
func TestMergeNetworks_JoinsByNumber(t *testing.T) {
	live := []Network{
		{Name: "", Number: 0, Default: true, Links: []string{"udp://0.0.0.0:14550"}, Vehicles: 2},
		{Name: "east", Number: 2, Links: []string{"udp://0.0.0.0:14560?network=east"}, Vehicles: 3},
	}
	stored := []Network{
		{Name: "north", Number: 1, Links: []string{}, RecordedVehicles: 4},
		{Name: "east", Number: 2, Links: []string{}, RecordedVehicles: 5},
	}
	got := MergeNetworks(live, stored)
	if len(got) != 3 {
		t.Fatalf("%d networks: %+v", len(got), got)
	}
	want := []Network{
		{Name: "", Number: 0, Default: true, Links: []string{"udp://0.0.0.0:14550"}, Vehicles: 2},
		{Name: "north", Number: 1, Links: []string{}, RecordedVehicles: 4},
		{Name: "east", Number: 2, Links: []string{"udp://0.0.0.0:14560?network=east"}, Vehicles: 3, RecordedVehicles: 5},
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Number != w.Number || g.Default != w.Default || !slices.Equal(g.Links, w.Links) ||
			g.Vehicles != w.Vehicles || g.RecordedVehicles != w.RecordedVehicles {
			t.Errorf("network %d: %+v, want %+v", i, g, w)
		}
	}
	if d := MergeNetworks(); len(d) != 1 || !d[0].Default || d[0].Links == nil {
		t.Fatalf("nothing merged: %+v; want the default network with an empty list of links", d)
	}
}
