package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/planner"
	"github.com/paulmach/orb"
)

func init() {
	registerPlan(command{
		name:    "corridor",
		summary: "Plan a border corridor patrol: battery-sized legs over a fleet, one QGC .plan per drone.",
		usage:   "--border FILE [--side left|right|COUNTRY] [--standoff 500m] [--alt 120] [--drones N] -o FILE.plan",
		flags:   planCorridorFlags,
	})
	registerPlan(command{
		name:    "fence",
		summary: "Generate a geofence from layers: our side of the border within a depth, no-fly zones excluded.",
		usage:   "--border FILE [--side left|right|COUNTRY] [--standoff 300m] [--depth 5km] [--no-fly FILE]... -o FILE.plan",
		flags:   planFenceFlags,
	})
}

func planFenceFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var req planner.FenceRequest
	fs.StringVar(&req.BorderLayer, "border", "", "border layer, GeoJSON or KML lines (required)")
	fs.StringVar(&req.Side, "side", "", "our side: left, right, or a country named in the layer")
	standoff := distanceFlag(300)
	fs.Var(&standoff, "standoff", fmt.Sprintf("nearest the inclusion fence comes to the border (at least %gm)", planner.MinFenceMarginM))
	depth := distanceFlag(5000)
	fs.Var(&depth, "depth", "how far from the border the inclusion fence reaches")
	var from, to latLonFlag
	fs.Var(&from, "from", "start of the border section, LAT,LON (with --to; default the whole border)")
	fs.Var(&to, "to", "end of the border section, LAT,LON")
	var noFly stringList
	fs.Var(&noFly, "no-fly", "no-fly layer, GeoJSON or KML polygons (repeatable)")
	noFlyMargin := distanceFlag(0)
	fs.Var(&noFlyMargin, "no-fly-margin", "how far the exclusion zones reach beyond the no-fly areas")
	fs.IntVar(&req.MaxVertices, "max-vertices", 64, "autopilot's fence polygon vertex limit (PX4 64)")
	fs.StringVar(&req.Firmware, "firmware", "ardupilot", "ardupilot or px4 (recorded in the .plan)")
	fs.StringVar(&req.VehicleType, "vehicle", "copter", "copter or plane (recorded in the .plan)")
	out := fs.String("o", "", "output .plan file (required)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		if *out == "" {
			return fmt.Errorf("-o is required")
		}
		if req.BorderLayer == "" {
			return fmt.Errorf("--border is required")
		}
		req.StandoffM, req.DepthM, req.NoFlyMarginM = float64(standoff), float64(depth), float64(noFlyMargin)
		req.From, req.To, req.NoFlyLayers = from.p, to.p, noFly
		res, err := planner.Fence(req, layerFiles, time.Now())
		if err != nil {
			return err
		}
		if err := writeFileAtomic(*out, res.QGCPlan); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s: ", *out)
		res.Summary.WriteText(e.stdout)
		return nil
	}
}

// layerFiles is the CLI's planner.LayerLookup: a layer reference is a file.
func layerFiles(path string, kind missions.LayerKind) (*missions.Layer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return missions.ParseLayer(data, string(kind), filepath.Base(path), kind)
}

// distanceFlag reads "500", "500m" or "1.5km" as metres.
type distanceFlag float64

func (d *distanceFlag) String() string { return strconv.FormatFloat(float64(*d), 'f', -1, 64) + "m" }

func (d *distanceFlag) Set(s string) error {
	mult := 1.0
	t := strings.TrimSpace(strings.ToLower(s))
	switch {
	case strings.HasSuffix(t, "km"):
		mult, t = 1000, strings.TrimSuffix(t, "km")
	case strings.HasSuffix(t, "m"):
		t = strings.TrimSuffix(t, "m")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a distance (500, 500m, 1.5km)", s)
	}
	*d = distanceFlag(v * mult)
	return nil
}

// sitesFlag collects sites given as "LAT,LON[,ALT]" or "NAME@LAT,LON[,ALT]",
// ALT being the ground's altitude above mean sea level in metres.
type sitesFlag []planner.Site

func (s *sitesFlag) String() string { return fmt.Sprint(len(*s), " sites") }

func (s *sitesFlag) Set(v string) error {
	name := ""
	if at := strings.LastIndex(v, "@"); at >= 0 {
		name, v = v[:at], v[at+1:]
	}
	site := planner.Site{Name: name}
	if parts := strings.Split(v, ","); len(parts) == 3 {
		alt, err := strconv.ParseFloat(strings.TrimSpace(parts[2]), 64)
		if err != nil || math.IsNaN(alt) || math.IsInf(alt, 0) {
			return fmt.Errorf("%q: altitude %q is not metres above sea level", v, parts[2])
		}
		site.AltAMSLM = &alt
		v = parts[0] + "," + parts[1]
	}
	p, err := parseLatLon(v)
	if err != nil {
		return err
	}
	site.Lat, site.Lon = p[1], p[0]
	*s = append(*s, site)
	return nil
}

// parseLatLon reads "LAT,LON" (the order operators read coordinates in)
// into an [lon, lat] point.
func parseLatLon(v string) (orb.Point, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 2 {
		return orb.Point{}, fmt.Errorf("%q is not LAT,LON", v)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return orb.Point{}, fmt.Errorf("%q is not LAT,LON in degrees", v)
	}
	return orb.Point{lon, lat}, nil
}

type latLonFlag struct{ p *planner.LatLon }

func (f *latLonFlag) String() string { return "" }

func (f *latLonFlag) Set(v string) error {
	p, err := parseLatLon(v)
	if err != nil {
		return err
	}
	f.p = &planner.LatLon{Lat: p[1], Lon: p[0]}
	return nil
}

func planCorridorFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var req planner.CorridorRequest
	fs.StringVar(&req.BorderLayer, "border", "", "border layer, GeoJSON or KML lines (required)")
	fs.StringVar(&req.Side, "side", "", "our side: left or right of the line's drawing direction, or a country named in the layer's adm0_left/adm0_right (default left for a layer that names no countries)")
	standoff := distanceFlag(planner.DefaultStandoffM)
	fs.Var(&standoff, "standoff", "nearest the patrol comes to the border")
	fenceMargin := distanceFlag(0)
	fs.Var(&fenceMargin, "fence-margin", fmt.Sprintf("nearest a sortie's inclusion fence comes to the border, at least %gm and below the standoff (default half the standoff, at least %gm)", planner.MinFenceMarginM, planner.MinFenceMarginM))
	fs.IntVar(&req.Lanes, "lanes", 1, "parallel patrol lanes")
	spacing := distanceFlag(500)
	fs.Var(&spacing, "lane-spacing", "distance between lanes")
	fs.Float64Var(&req.AltM, "alt", 120, "patrol altitude above home, m")
	fs.IntVar(&req.Drones, "drones", 1, "drones in the fleet")
	var classes []string
	for _, c := range planner.VehicleClasses {
		classes = append(classes, fmt.Sprintf("%s %g m/s and %v", c.Name, c.SpeedMS, time.Duration(c.EnduranceS)*time.Second))
	}
	fs.StringVar(&req.VehicleType, "vehicle", "copter", "copter or plane: the plans' vehicle type and the defaults of --speed and --endurance")
	fs.Float64Var(&req.SpeedMS, "speed", 0, "cruise speed, m/s (default by --vehicle: "+strings.Join(classes, "; ")+")")
	endurance := fs.Duration("endurance", 0, "flight time on one battery (default by --vehicle, as for --speed)")
	reserve := fs.Float64("reserve", 0.2, "share of the endurance kept in reserve")
	var sites sitesFlag
	fs.Var(&sites, "site", "launch site LAT,LON[,ALT] or NAME@LAT,LON[,ALT], ALT the ground's metres above sea level, written as the plans' home altitude (repeatable; default one per drone along the lane, altitude unknown)")
	var rally sitesFlag
	fs.Var(&rally, "rally", "extra rally point LAT,LON or NAME@LAT,LON, at least --rally-depth from the border (repeatable; every leg also gets its launch site)")
	rallyDepth := distanceFlag(0)
	fs.Var(&rallyDepth, "rally-depth", "nearest a --rally point may be to the border (default the standoff)")
	var from, to latLonFlag
	fs.Var(&from, "from", "start of the border section, LAT,LON (with --to; default the whole border)")
	fs.Var(&to, "to", "end of the border section, LAT,LON")
	fs.IntVar(&req.MaxFenceVertices, "max-fence-vertices", 64, "autopilot's fence polygon vertex limit (PX4 64)")
	var noFly stringList
	fs.Var(&noFly, "no-fly", "no-fly layer, GeoJSON or KML polygons (repeatable): lanes and transits keep out, fences exclude them")
	noFlyMargin := distanceFlag(100)
	fs.Var(&noFlyMargin, "no-fly-margin", "how far lanes and transits keep from no-fly zones")
	fs.StringVar(&req.Firmware, "firmware", "ardupilot", "ardupilot or px4 (recorded in the .plan)")
	out := fs.String("o", "", "output .plan file; drones are numbered into the name (patrol-d1.plan …) (required)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		if *out == "" {
			return fmt.Errorf("-o is required")
		}
		if req.BorderLayer == "" {
			return fmt.Errorf("--border is required")
		}
		req.StandoffM, req.FenceMarginM, req.LaneSpacingM = float64(standoff), float64(fenceMargin), float64(spacing)
		req.EnduranceS, req.ReserveFrac = endurance.Seconds(), reserve
		req.Sites, req.RallyPoints, req.RallyDepthM = sites, rally, float64(rallyDepth)
		req.From, req.To, req.NoFlyLayers, req.NoFlyMarginM = from.p, to.p, noFly, float64(noFlyMargin)
		res, err := planner.Corridor(req, layerFiles, time.Now())
		if err != nil {
			return err
		}
		files, err := writeCorridorPlans(res, *out)
		if err != nil {
			return err
		}
		res.Summary.WriteText(e.stdout)
		for _, f := range files {
			fmt.Fprintf(e.stdout, "wrote %s\n", f)
		}
		return nil
	}
}

// writeCorridorPlans writes each plan of the result next to out, named
// after it (patrol.plan → patrol-d1.plan, patrol-d1-leg2.plan …).
func writeCorridorPlans(res *planner.CorridorResult, out string) ([]string, error) {
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	if ext == "" {
		ext = ".plan"
	}
	var files []string
	for _, p := range res.Plans {
		name := base + "-" + p.Name + ext
		if err := writeFileAtomic(name, p.QGCPlan); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}
