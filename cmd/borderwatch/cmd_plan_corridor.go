package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
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
	border := fs.String("border", "", "border layer, GeoJSON or KML lines (required)")
	side := fs.String("side", "", "our side: left, right, or a country named in the layer")
	standoff := distanceFlag(300)
	fs.Var(&standoff, "standoff", "nearest the inclusion fence comes to the border")
	depth := distanceFlag(5000)
	fs.Var(&depth, "depth", "how far from the border the inclusion fence reaches")
	var from, to pointFlag
	fs.Var(&from, "from", "start of the border section, LAT,LON (with --to; default the whole border)")
	fs.Var(&to, "to", "end of the border section, LAT,LON")
	var noFly stringList
	fs.Var(&noFly, "no-fly", "no-fly layer, GeoJSON or KML polygons (repeatable)")
	noFlyMargin := distanceFlag(0)
	fs.Var(&noFlyMargin, "no-fly-margin", "how far the exclusion zones reach beyond the no-fly areas")
	maxV := fs.Int("max-vertices", 64, "autopilot's fence polygon vertex limit (PX4 64)")
	firmware := fs.String("firmware", "ardupilot", "ardupilot or px4 (recorded in the .plan)")
	out := fs.String("o", "", "output .plan file (required)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		if *out == "" {
			return fmt.Errorf("-o is required")
		}
		lines, s, fw, err := loadBorder(*border, *side, *firmware)
		if err != nil {
			return err
		}
		req := planner.FenceRequest{Border: lines, Side: s, From: from.p, To: to.p,
			StandoffM: float64(standoff), DepthM: float64(depth), NoFlyMarginM: float64(noFlyMargin), MaxVertices: *maxV}
		for _, f := range noFly {
			zones, err := readNoFly(f)
			if err != nil {
				return err
			}
			req.NoFly = append(req.NoFly, zones...)
		}
		fence, err := planner.GenerateFence(req)
		if err != nil {
			return err
		}
		p := &missions.Plan{Fence: *fence,
			Vehicle: missions.Vehicle{FirmwareType: fw, VehicleType: 2},
			Meta:    missions.Meta{Name: "border fence", Author: "borderwatch plan fence", CreatedAt: time.Now().UTC().Truncate(time.Second)}}
		data, err := missions.WriteQGCPlan(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return err
		}
		incl, excl := 0, 0
		for _, fp := range fence.Polygons {
			if fp.Inclusion {
				incl++
			} else {
				excl++
			}
		}
		fmt.Fprintf(e.stdout, "wrote %s: %d inclusion and %d exclusion polygon(s), %d circle(s)\n", *out, incl, excl, len(fence.Circles))
		return nil
	}
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

// sitesFlag collects launch sites given as "LAT,LON" or "NAME@LAT,LON".
type sitesFlag []planner.LaunchSite

func (s *sitesFlag) String() string { return fmt.Sprint(len(*s), " sites") }

func (s *sitesFlag) Set(v string) error {
	name := ""
	if at := strings.LastIndex(v, "@"); at >= 0 {
		name, v = v[:at], v[at+1:]
	}
	p, err := parseLatLon(v)
	if err != nil {
		return err
	}
	*s = append(*s, planner.LaunchSite{Name: name, Pos: p})
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

type pointFlag struct{ p *orb.Point }

func (f *pointFlag) String() string { return "" }

func (f *pointFlag) Set(v string) error {
	p, err := parseLatLon(v)
	if err != nil {
		return err
	}
	f.p = &p
	return nil
}

func planCorridorFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	border := fs.String("border", "", "border layer, GeoJSON or KML lines (required)")
	side := fs.String("side", "", "our side: left or right of the line's drawing direction, or a country named in the layer's adm0_left/adm0_right (default left for a layer that names no countries)")
	standoff := distanceFlag(500)
	fs.Var(&standoff, "standoff", "nearest the patrol comes to the border")
	lanes := fs.Int("lanes", 1, "parallel patrol lanes")
	spacing := distanceFlag(500)
	fs.Var(&spacing, "lane-spacing", "distance between lanes")
	alt := fs.Float64("alt", 120, "patrol altitude above home, m")
	drones := fs.Int("drones", 1, "drones in the fleet")
	speed := fs.Float64("speed", 15, "cruise speed, m/s")
	endurance := fs.Duration("endurance", time.Hour, "flight time on one battery")
	reserve := fs.Float64("reserve", 0.2, "share of the endurance kept in reserve")
	var sites sitesFlag
	fs.Var(&sites, "site", "launch site LAT,LON or NAME@LAT,LON (repeatable; default one per drone along the lane)")
	var from, to pointFlag
	fs.Var(&from, "from", "start of the border section, LAT,LON (with --to; default the whole border)")
	fs.Var(&to, "to", "end of the border section, LAT,LON")
	maxV := fs.Int("max-fence-vertices", 64, "autopilot's fence polygon vertex limit (PX4 64)")
	var noFly stringList
	fs.Var(&noFly, "no-fly", "no-fly layer, GeoJSON or KML polygons (repeatable): lanes and transits keep out, fences exclude them")
	noFlyMargin := distanceFlag(100)
	fs.Var(&noFlyMargin, "no-fly-margin", "how far lanes and transits keep from no-fly zones")
	firmware := fs.String("firmware", "ardupilot", "ardupilot or px4 (recorded in the .plan)")
	out := fs.String("o", "", "output .plan file; drones are numbered into the name (patrol-d1.plan …) (required)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		if *out == "" {
			return fmt.Errorf("-o is required")
		}
		lines, s, fw, err := loadBorder(*border, *side, *firmware)
		if err != nil {
			return err
		}
		req := planner.CorridorRequest{
			Border: lines, Side: s, From: from.p, To: to.p,
			StandoffM: float64(standoff), Lanes: *lanes, LaneSpacingM: float64(spacing), AltM: *alt,
			Vehicle: planner.Vehicle{CruiseMS: *speed, EnduranceS: endurance.Seconds(), ReserveFrac: *reserve},
			Drones:  *drones, Sites: sites, MaxFenceVertices: *maxV,
		}
		if *reserve == 0 {
			req.Vehicle.ReserveFrac = 1e-9 // 0 would mean "default"; an explicit 0 is no reserve
		}
		req.NoFlyMarginM = float64(noFlyMargin)
		for _, f := range noFly {
			zones, err := readNoFly(f)
			if err != nil {
				return err
			}
			req.NoFly = append(req.NoFly, zones...)
		}
		plan, err := planner.PlanCorridor(req)
		if err != nil {
			return err
		}
		files, err := writeCorridorPlans(plan, *out, fw)
		if err != nil {
			return err
		}
		cv := plan.Coverage
		fmt.Fprintf(e.stdout, "Border section %.1f km, %.1f km covered by %d legs on %d lane(s) flown by %d drone(s) from %d site(s).\n",
			cv.SectionM/1000, cv.CoveredM/1000, len(plan.Legs), len(plan.Lanes), len(plan.Drones), len(plan.Sites))
		fmt.Fprintf(e.stdout, "Revisit time: %.0f min at worst, %.0f min on average per kilometre of border.\n", cv.MaxRevisitS/60, cv.MeanRevisitS/60)
		for _, d := range plan.Drones {
			site := plan.Sites[d.Site]
			fmt.Fprintf(e.stdout, "  drone %d from %s (%.5f, %.5f): %d leg(s), a round every %.0f min\n",
				d.Drone, site.Name, site.Pos[1], site.Pos[0], len(d.Legs), float64(d.CycleS)/60)
		}
		for _, f := range files {
			fmt.Fprintf(e.stdout, "wrote %s\n", f)
		}
		return nil
	}
}

// loadBorder reads the --border layer and resolves --side and --firmware,
// which the corridor and fence commands share.
func loadBorder(path, side, firmware string) ([][]orb.Point, geo.Side, uint8, error) {
	if path == "" {
		return nil, 0, 0, fmt.Errorf("--border is required")
	}
	fw := map[string]uint8{"ardupilot": missions.FirmwareArduPilot, "px4": missions.FirmwarePX4}[firmware]
	if fw == 0 {
		return nil, 0, 0, fmt.Errorf("--firmware %q: want ardupilot or px4", firmware)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	layer, err := missions.ParseLayer(data, "border", filepath.Base(path), missions.LayerBorder)
	if err != nil {
		return nil, 0, 0, err
	}
	lines, s, err := corridorSide(layer, side)
	return lines, s, fw, err
}

// readNoFly reads a no-fly layer's polygons.
func readNoFly(name string) ([]orb.Polygon, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	l, err := missions.ParseLayer(data, "no-fly", filepath.Base(name), missions.LayerNoFly)
	if err != nil {
		return nil, err
	}
	var out []orb.Polygon
	for _, f := range l.Features.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			out = append(out, g)
		case orb.MultiPolygon:
			out = append(out, g...)
		}
	}
	return out, nil
}

// corridorSide returns the layer's lines and our side, from --side.
func corridorSide(l *missions.Layer, side string) ([][]orb.Point, geo.Side, error) {
	switch strings.ToLower(side) {
	case "left", "right":
		lines, _, err := missions.BorderLines(l, "")
		s := geo.Left
		if strings.EqualFold(side, "right") {
			s = geo.Right
		}
		return lines, s, err
	case "":
		for _, f := range l.Features.Features {
			left, _ := f.Properties["adm0_left"].(string)
			right, _ := f.Properties["adm0_right"].(string)
			if left != "" || right != "" {
				return nil, 0, fmt.Errorf("%s names %q on the left and %q on the right: say which side is ours with --side", l.Name, left, right)
			}
		}
		lines, _, err := missions.BorderLines(l, "")
		return lines, geo.Left, err
	}
	return missions.BorderLines(l, side)
}

// writeCorridorPlans writes one .plan per drone (and per further leg when
// a drone flies several: NAME-d1.plan, NAME-d1-leg2.plan …).
func writeCorridorPlans(plan *planner.CorridorPlan, out string, fw uint8) ([]string, error) {
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	if ext == "" {
		ext = ".plan"
	}
	var files []string
	for _, d := range plan.Drones {
		for k, li := range d.Legs {
			p := plan.Legs[li].Plan
			p.Vehicle.FirmwareType = fw
			p.Vehicle.VehicleType = 2 // quadrotor: QGC needs a type to open the plan
			p.Meta.CreatedAt = time.Now().UTC().Truncate(time.Second)
			p.Meta.Author = "borderwatch plan corridor"
			name := fmt.Sprintf("%s-d%d%s", base, d.Drone, ext)
			if k > 0 {
				name = fmt.Sprintf("%s-d%d-leg%d%s", base, d.Drone, k+1, ext)
			}
			data, err := missions.WriteQGCPlan(p)
			if err != nil {
				return files, fmt.Errorf("drone %d leg %d: %w", d.Drone, k+1, err)
			}
			if err := os.WriteFile(name, data, 0o644); err != nil {
				return files, err
			}
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return nil, errors.New("the plan has no legs")
	}
	return files, nil
}
