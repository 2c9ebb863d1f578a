package gcs

import (
	"context"

	"github.com/borderwatch/borderwatch/telemetry"
)

// NetworkList describes the MAVLink networks of the fleet's links: each one's
// name and number, its links (URLs without credentials) and how many
// vehicles the fleet knows on it now. The default network is always listed.
// GET /api/v1/networks joins it with the store's registry
// (telemetry.MergeNetworks).
func (f *Fleet) NetworkList(ctx context.Context) ([]telemetry.Network, error) {
	counts := map[uint32]int{}
	err := f.do(ctx, func() {
		for id := range f.vehicles {
			counts[id.Network()]++
		}
	})
	if err != nil {
		return nil, err
	}
	by := map[uint32]*telemetry.Network{}
	add := func(n uint32) *telemetry.Network {
		if by[n] == nil {
			by[n] = &telemetry.Network{Name: f.netNames[n], Number: n, Default: n == 0, Links: []string{}}
		}
		return by[n]
	}
	add(0)
	for n := range f.netNames {
		add(n)
	}
	for _, l := range f.links {
		nw := add(l.network)
		nw.Links = append(nw.Links, l.url)
	}
	for n, c := range counts {
		add(n).Vehicles = c
	}
	list := make([]telemetry.Network, 0, len(by))
	for _, n := range by {
		list = append(list, *n)
	}
	return telemetry.MergeNetworks(list), nil
}
