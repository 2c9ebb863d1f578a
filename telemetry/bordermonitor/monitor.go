// Package bordermonitor raises alerts from where things are relative to the
// border: when one of our drones comes within a set distance of a border
// line, when it crosses to the other side, and when a detected track
// crosses into our territory. It subscribes to the telemetry hub like the
// recorder and publishes its alerts back to it, so they are stored and
// streamed like every other alert.
//
// Each approach or crossing raises one alert: a drone is re-armed only once
// it is back beyond the warning distance plus a hysteresis margin (or back
// on our side by that margin), and a track only once it is seen outside our
// territory again by that margin, so a drone loitering at the warning
// distance or a track walking along the line does not flood the operators.
package bordermonitor

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Alert types this package raises.
const (
	// AlertBorderApproach: a drone came within WarnDistM of the border.
	AlertBorderApproach telemetry.AlertType = "border_approach"
	// AlertBorderCrossed: a drone is on the other side of the border.
	AlertBorderCrossed telemetry.AlertType = "border_crossed"
	// AlertTrackCrossed: a detected track crossed into our territory.
	AlertTrackCrossed telemetry.AlertType = "track_crossed"
)

// Defaults of Rules.
const (
	DefaultWarnDistM   = 300.0
	DefaultHysteresisM = 100.0
	// maxTracks bounds the tracks followed; the longest unseen is forgotten first.
	maxTracks = 10000
	// trackTTL forgets a track not seen for this long.
	trackTTL = 10 * time.Minute
)

// Rules are the distances the checker alerts at.
type Rules struct {
	// WarnDistM (optional): a drone nearer the border than this raises an
	// approach alert. Defaults to DefaultWarnDistM.
	WarnDistM float64
	// HysteresisM (optional): how far back past the warning distance (or
	// into our side) a drone or track must go before it can alert again.
	// Defaults to DefaultHysteresisM.
	HysteresisM float64
}

func (r Rules) withDefaults() Rules {
	if r.WarnDistM <= 0 {
		r.WarnDistM = DefaultWarnDistM
	}
	if r.HysteresisM <= 0 {
		r.HysteresisM = DefaultHysteresisM
	}
	return r
}

// Checker holds the geometry and the state of every drone and track; it is
// the monitor's logic without the goroutine, and is not safe for concurrent
// use (the Monitor's goroutine owns it).
type Checker struct {
	rules     Rules
	border    *missions.BorderIndex
	territory []*geo.PolygonIndex
	// territoryName names each territory polygon (its layer), for "into Y".
	territoryName []string
	drones        map[telemetry.VehicleID]*droneState
	tracks        map[trackKey]*trackState
}

type droneState struct {
	near    bool     // an approach alert was raised and not re-armed
	crossed bool     // a crossing alert was raised and not re-armed
	ourSide geo.Side // without territory: the side of the line the drone started on
}

// trackKey names a track: a detection by its drone and track id, a Remote ID
// drone by its UAS id alone (every receiver hearing it sees the same drone,
// and its crossing is one crossing).
type trackKey struct {
	vehicle  telemetry.VehicleID
	track    uint32
	remoteID string
}

type trackState struct {
	armed  bool // seen outside our territory (by the margin): an entry alerts
	inside bool
	seen   time.Time
	// from is the country the track was last seen in outside our territory,
	// when the border layer names it ("" otherwise).
	from string
}

// NewChecker builds the geometry from layers: the border layers' lines and
// the own_territory layers' polygons. Without a border layer it raises no
// approach alert; without territory, a drone's side is the one it was first
// seen on, and tracks raise no alert (there is no "our side" to enter).
func NewChecker(layers []*missions.Layer, rules Rules) *Checker {
	c := &Checker{rules: rules.withDefaults(), drones: map[telemetry.VehicleID]*droneState{}, tracks: map[trackKey]*trackState{}}
	var borders []*missions.Layer
	for _, l := range layers {
		switch l.Kind {
		case missions.LayerBorder:
			borders = append(borders, l)
		case missions.LayerOwnTerritory:
			for _, f := range l.Features.Features {
				switch g := f.Geometry.(type) {
				case orb.Polygon:
					c.territory = append(c.territory, geo.NewPolygonIndex(g))
					c.territoryName = append(c.territoryName, l.Name)
				case orb.MultiPolygon:
					for _, p := range g {
						c.territory = append(c.territory, geo.NewPolygonIndex(p))
						c.territoryName = append(c.territoryName, l.Name)
					}
				}
			}
		}
	}
	if len(borders) > 0 {
		if ix, err := missions.NewBorderIndex(borders...); err == nil {
			c.border = ix
		}
	}
	return c
}

func (c *Checker) inTerritory(p orb.Point) bool {
	_, ok := c.territoryAt(p)
	return ok
}

// territoryAt is the name of our territory polygon holding p.
func (c *Checker) territoryAt(p orb.Point) (string, bool) {
	for i, t := range c.territory {
		if t.Contains(p) {
			return c.territoryName[i], true
		}
	}
	return "", false
}

// Drone checks one drone's position and returns the alerts it raises.
func (c *Checker) Drone(id telemetry.VehicleID, p orb.Point, at time.Time) []telemetry.Alert {
	st := c.drones[id]
	if st == nil {
		st = &droneState{}
		c.drones[id] = st
	}
	r := c.rules
	dist, side := math.Inf(1), geo.OnLine
	if c.border != nil {
		if seg, ok := c.border.Nearest(p, r.WarnDistM+r.HysteresisM+5_000); ok {
			dist, side = seg.DistM, seg.Side
		}
	}
	var out []telemetry.Alert
	alert := func(t telemetry.AlertType, sev telemetry.Severity, format string, args ...any) {
		out = append(out, telemetry.Alert{EventHeader: telemetry.Header(at, id),
			Type: t, Severity: sev, Text: fmt.Sprintf(format, args...)})
	}
	// Which side is the drone on?
	outside, known := false, false
	switch {
	case len(c.territory) > 0:
		outside, known = !c.inTerritory(p), true
	case side != geo.OnLine:
		if st.ourSide == geo.OnLine {
			st.ourSide = side // the side it was first seen on is ours
		}
		outside, known = side != st.ourSide, true
	}
	if known && outside && !st.crossed {
		st.crossed = true
		if math.IsInf(dist, 1) {
			alert(AlertBorderCrossed, telemetry.SeverityCritical, "drone %d is outside our territory at (%.6f, %.6f)", id, p[1], p[0])
		} else {
			alert(AlertBorderCrossed, telemetry.SeverityCritical, "drone %d has crossed the border: %.0f m beyond it at (%.6f, %.6f)", id, dist, p[1], p[0])
		}
	} else if known && !outside && st.crossed && dist > r.HysteresisM {
		st.crossed = false
	}
	if !st.near && dist <= r.WarnDistM && !(known && outside) {
		st.near = true
		alert(AlertBorderApproach, telemetry.SeverityWarning, "drone %d is %.0f m from the border (alert at %.0f m) at (%.6f, %.6f)", id, dist, r.WarnDistM, p[1], p[0])
	} else if st.near && dist > r.WarnDistM+r.HysteresisM {
		st.near = false
	}
	if st.crossed {
		st.near = true // back on our side near the line is still the same approach
	}
	return out
}

// Detection checks one detection and returns the alert it raises when its
// track crossed into our territory.
func (c *Checker) Detection(d telemetry.Detection) []telemetry.Alert {
	what := fmt.Sprintf("track %d (%s, %d%%) seen by drone %d", d.TrackID, d.Class, d.ConfidencePct, d.Vehicle())
	return c.track(trackKey{vehicle: d.Vehicle(), track: d.TrackID}, d.Vehicle(), orb.Point{d.Lon, d.Lat}, d.Time, what,
		fmt.Sprintf("detection:%d.%d", d.Vehicle(), d.TrackID))
}

// RemoteID checks one Remote ID track and returns the alert it raises when
// the drone crossed into our territory. Tracks without a position, or not yet
// identified by their BASIC_ID, are not followed (their key would change).
func (c *Checker) RemoteID(r telemetry.RemoteID) []telemetry.Alert {
	if !r.HasPosition || r.UASID == "" {
		return nil
	}
	what := fmt.Sprintf("Remote ID drone %q (%s) heard by drone %d", r.UASID, r.UAType, r.Vehicle())
	return c.track(trackKey{remoteID: r.UASID}, r.Vehicle(), orb.Point{r.Lon, r.Lat}, r.Time, what, "remote_id:"+r.UASID)
}

// track follows one track's side of the border: one alert when it enters
// our territory, re-armed once it is seen outside by the hysteresis margin.
func (c *Checker) track(k trackKey, id telemetry.VehicleID, p orb.Point, at time.Time, what, name string) []telemetry.Alert {
	if len(c.territory) == 0 {
		return nil
	}
	into, inside := c.territoryAt(p)
	dist, country, border := math.Inf(1), "", ""
	if c.border != nil {
		if seg, ok := c.border.Nearest(p, c.rules.HysteresisM+5_000); ok {
			dist, country, border = seg.DistM, seg.Country, seg.Layer
		}
	}
	st := c.tracks[k]
	if st == nil {
		c.forgetTracks(at)
		// A track first seen inside was not seen entering: no alert.
		st = &trackState{armed: !inside}
		c.tracks[k] = st
	}
	st.seen, st.inside = at, inside
	if !inside && country != "" {
		st.from = country
	}
	switch {
	case inside && st.armed:
		st.armed = false
		from := st.from
		if from == "" {
			from = "outside our territory"
		}
		if into == "" {
			into = "our territory"
		}
		place := fmt.Sprintf("(%.6f, %.6f)", p[1], p[0])
		if !math.IsInf(dist, 1) {
			place += fmt.Sprintf(", %.0f m from border %q", dist, border)
		}
		return []telemetry.Alert{{EventHeader: telemetry.Header(at, id),
			Type: AlertTrackCrossed, Severity: telemetry.SeverityAlert,
			Text:  fmt.Sprintf("%s crossed from %s into %s at %s", what, from, into, place),
			Place: &telemetry.AlertPlace{Lat: p[1], Lon: p[0], Track: name}}}
	case !inside && dist > c.rules.HysteresisM:
		st.armed = true
	}
	return nil
}

// forgetTracks drops tracks unseen for trackTTL, and the oldest beyond maxTracks.
func (c *Checker) forgetTracks(now time.Time) {
	if len(c.tracks) < maxTracks/2 {
		return
	}
	var oldest trackKey
	var oldestSeen time.Time
	for k, st := range c.tracks {
		if now.Sub(st.seen) > trackTTL {
			delete(c.tracks, k)
			continue
		}
		if oldestSeen.IsZero() || st.seen.Before(oldestSeen) {
			oldest, oldestSeen = k, st.seen
		}
	}
	if len(c.tracks) >= maxTracks {
		delete(c.tracks, oldest)
	}
}

// SetLayers replaces the geometry, keeping every drone's and track's state
// (a renamed or re-imported layer must not re-raise standing alerts).
func (c *Checker) SetLayers(layers []*missions.Layer) {
	n := NewChecker(layers, c.rules)
	c.border, c.territory, c.territoryName = n.border, n.territory, n.territoryName
}
