package telemetry

import (
	"cmp"
	"slices"
)

// Network describes one MAVLink network of a server, as GET /api/v1/networks
// and `borderwatch networks` show it. Two sources fill it: the fleet (its
// links and the vehicles it knows now, gcs.Fleet.NetworkList) and the store
// (the registry of numbered networks and the vehicles recorded on each,
// store.Store.NetworkList); MergeNetworks joins them by number.
type Network struct {
	// Name is the name links give it (?network=NAME); "" is the default network.
	Name string `json:"name"`
	// Number is its part of a vehicle id (id = number × 256 + system id).
	Number uint32 `json:"number"`
	// Default is true for the default network (number 0, links without ?network=).
	Default bool `json:"default"`
	// Links are the URLs of the links on it now, without credentials.
	Links []string `json:"links"`
	// Vehicles counts the vehicles the fleet knows on it now (heard since start).
	Vehicles int `json:"vehicles"`
	// RecordedVehicles counts the distinct vehicles with a sortie on it in
	// the store (live and imported).
	RecordedVehicles int `json:"recorded_vehicles"`
}

// MergeNetworks joins descriptions of the same networks from several sources
// by number: the first non-empty name wins (the fleet and the store agree,
// since the store numbers the fleet's networks), links are joined, counts
// added (each source fills its own). The default network is always there.
// The result is ordered by number.
func MergeNetworks(lists ...[]Network) []Network {
	by := map[uint32]*Network{0: {Default: true, Links: []string{}}}
	for _, list := range lists {
		for _, n := range list {
			m := by[n.Number]
			if m == nil {
				m = &Network{Number: n.Number, Links: []string{}}
				by[n.Number] = m
			}
			if m.Name == "" {
				m.Name = n.Name
			}
			m.Default = m.Number == 0
			m.Links = append(m.Links, n.Links...)
			m.Vehicles += n.Vehicles
			m.RecordedVehicles += n.RecordedVehicles
		}
	}
	out := make([]Network, 0, len(by))
	for _, n := range by {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b Network) int { return cmp.Compare(a.Number, b.Number) })
	return out
}
