package planner_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/planner"
)

// FuzzCorridorRequest: arbitrary JSON bodies over the demo border (what
// POST /api/v1/routes/corridor hands the planner). Never a panic; a refusal
// wraps one of the planner's errors; an answer's plans read back as .plan
// documents whose fences keep the stated margin on our side of the line
// (the validator's border rule) and whose summary matches them.
func FuzzCorridorRequest(f *testing.F) {
	f.Add([]byte(`{"border_layer":"nogales","from":{"lat":31.33,"lon":-111.0},"to":{"lat":31.33,"lon":-110.9},"drones":2}`))
	f.Add([]byte(`{"border_layer":"nogales","from":{"lat":31.33,"lon":-111.0},"to":{"lat":31.33,"lon":-110.95},"standoff_m":300,"fence_margin_m":60,"vehicle_type":"plane","sites":[{"name":"A","lat":31.35,"lon":-110.97,"alt_amsl_m":1200}]}`))
	f.Add([]byte(`{"border_layer":"nogales","drones":1e9}`))
	f.Add([]byte(`{"border_layer":"nogales","standoff_m":-5,"max_fence_vertices":2}`))
	f.Add([]byte(`{"border_layer":"x","no_fly_layers":["nogales"]}`))
	ix, err := missions.NewBorderIndex(mustDemoLayer(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req planner.CorridorRequest
		if json.Unmarshal(body, &req) != nil {
			return
		}
		// Keep each run small: a section of at most ~25 km.
		if req.From == nil || req.To == nil || abs(req.From.Lon-req.To.Lon) > 0.25 || abs(req.From.Lat-req.To.Lat) > 0.25 {
			if _, _, _, err := req.Params(demoLayers); err != nil && !errors.Is(err, planner.ErrBadRequest) && req.BorderLayer == "nogales" && len(req.NoFlyLayers) == 0 {
				t.Fatalf("refusal that is not ErrBadRequest: %v", err)
			}
			return
		}
		res, err := planner.Corridor(req, demoLayers, time.Unix(0, 0))
		if err != nil {
			return
		}
		if len(res.Plans) != len(res.Summary.Legs) {
			t.Fatalf("%d plans for %d legs", len(res.Plans), len(res.Summary.Legs))
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("answer does not marshal: %v", err)
		}
		margin := res.Summary.FenceMarginM
		if margin < planner.MinFenceMarginM {
			t.Fatalf("fence margin %g m", margin)
		}
		for _, pf := range res.Plans {
			p, err := missions.ReadQGCPlan(pf.QGCPlan)
			if err != nil {
				t.Fatalf("%s does not read back: %v", pf.Name, err)
			}
			rules := missions.GeoRules{Border: ix, MinBorderDistM: res.Summary.StandoffM - 1, MinFenceBorderDistM: margin - 1}
			if ps := missions.ValidateGeo(p, rules); len(ps) > 0 {
				t.Fatalf("%s: %v", pf.Name, ps)
			}
		}
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func mustDemoLayer(f *testing.F) *missions.Layer {
	l, err := demoLayers("nogales", missions.LayerBorder)
	if err != nil {
		f.Fatal(err)
	}
	return l
}
