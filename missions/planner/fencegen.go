package planner

import (
	"fmt"
	"math"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/missions/geo"
	"github.com/paulmach/orb"
)

// FenceParams asks for a geofence generated from GIS layers.
type FenceParams struct {
	// Border is the border as [lon, lat] polylines; Side is our side of it.
	Border [][]orb.Point
	Side   geo.Side
	// From and To cut a section out of the border (optional); default the
	// whole border.
	From, To *orb.Point
	// StandoffM is the nearest the inclusion fence comes to the border.
	StandoffM float64
	// DepthM is how far from the border the inclusion fence reaches.
	DepthM float64
	// NoFly are exclusion zones ([lon, lat] polygons) and NoFlyCircles round
	// ones (optional).
	NoFly        []orb.Polygon
	NoFlyCircles []geo.Circle
	// NoFlyMarginM grows every exclusion zone (optional). Defaults to 0.
	NoFlyMarginM float64
	// MaxVertices is the autopilot's limit per polygon (optional). Defaults
	// to 64 (PX4).
	MaxVertices int
	// MaxChangeM is how far simplification may move a fence edge (inwards
	// for the inclusion fence, outwards for exclusion zones) (optional).
	// Defaults to a tenth of the depth.
	MaxChangeM float64
}

// GenerateFence builds an inclusion fence on our side of the border, at
// least the standoff and at most the depth from it, and exclusion zones
// from no-fly areas, each simplified to the vertex limit conservatively:
// the inclusion fence only shrinks and exclusion zones only grow.
func GenerateFence(req FenceParams) (*missions.Fence, error) {
	if req.Side != geo.Left && req.Side != geo.Right {
		return nil, fmt.Errorf("%w: side must be left or right of the border's direction", ErrBadRequest)
	}
	if !(req.StandoffM > 0) || !(req.DepthM > req.StandoffM) {
		return nil, fmt.Errorf("%w: need 0 < standoff (%g m) < depth (%g m)", ErrBadRequest, req.StandoffM, req.DepthM)
	}
	if req.NoFlyMarginM < 0 {
		return nil, fmt.Errorf("%w: no-fly margin %g m is negative", ErrBadRequest, req.NoFlyMarginM)
	}
	if req.MaxVertices == 0 {
		req.MaxVertices = 64
	}
	if req.MaxChangeM == 0 {
		req.MaxChangeM = req.DepthM / 10
	}
	if !(req.StandoffM >= MinFenceMarginM) {
		return nil, fmt.Errorf("%w: standoff %g m: a fence must keep at least %g m from the border", ErrBadRequest, req.StandoffM, MinFenceMarginM)
	}
	// The corridor planner's section and projection handling, reused.
	c := &corridor{req: CorridorParams{Border: req.Border, From: req.From, To: req.To, Side: req.Side, FenceMarginM: req.StandoffM}}
	lines := geo.MergeLines(req.Border)
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: the border has no line of two or more points", ErrBadRequest)
	}
	var b orb.Bound
	for i, l := range lines {
		if i == 0 {
			b = orb.LineString(l).Bound()
		} else {
			b = b.Union(orb.LineString(l).Bound())
		}
	}
	c.proj = geo.NewProj(geo.CenterOf(b))
	c.k = geo.ScaleBound(geo.RadiusFrom(c.proj.Center(), b) + req.DepthM)
	for _, l := range lines {
		c.border = append(c.border, c.proj.ForwardAll(geo.DensifyLonLat(l, densifyM)))
	}
	c.wix = geo.NewSegmentIndex(c.border)
	if req.From != nil || req.To != nil {
		if err := c.cutSection(); err != nil {
			return nil, err
		}
	}
	strip, err := geo.SideStrip(c.border, req.StandoffM*c.k, req.DepthM, req.Side)
	if err != nil {
		return nil, fmt.Errorf("%w: the area on that side: %v", ErrFence, err)
	}
	// The strip follows the section; past its ends the rest of the border
	// may bend back into it. Cut the standoff round the rest out, and keep
	// only what is then on our side of the whole border.
	if len(c.beyond) > 0 {
		var sb orb.Bound
		for i, p := range strip {
			if i == 0 {
				sb = p.Bound()
			} else {
				sb = sb.Union(p.Bound())
			}
		}
		near, err := c.beyondTube(sb, req.StandoffM*c.k)
		if err != nil {
			return nil, err
		}
		if len(near) > 0 {
			cut, err := geo.Boolean(geo.OpDifference, strip, near)
			if err != nil {
				return nil, err
			}
			strip = strip[:0]
			for _, p := range cut {
				if c.ourSide(p[0]) {
					strip = append(strip, p)
				}
			}
			if len(strip) == 0 {
				return nil, fmt.Errorf("%w: nothing of our side of the section is %g m from the rest of the border", ErrFence, req.StandoffM)
			}
		}
	}
	fence := &missions.Fence{}
	var holes []orb.Polygon
	for _, piece := range strip {
		outer, h, err := geo.SimplifyInclusion([]orb.Polygon{piece}, req.MaxVertices, req.MaxChangeM)
		if err != nil {
			return nil, fmt.Errorf("%w: inclusion fence: %v", ErrFence, err)
		}
		for _, p := range outer {
			if err := c.checkFenceRing(p[0]); err != nil {
				return nil, err
			}
			fence.Polygons = append(fence.Polygons, missions.FencePolygon{Inclusion: true, Vertices: c.proj.InverseAll(p[0][:len(p[0])-1])})
		}
		holes = append(holes, h...)
	}
	// No-fly zones, grown by the margin (and by the scale bound so the
	// margin holds on the ellipsoid), merged where they overlap, with the
	// inclusion fence's holes.
	var zones []orb.Polygon
	for _, z := range req.NoFly {
		pz := make(orb.Polygon, len(z))
		for i, r := range z {
			pz[i] = c.proj.ForwardAll(geo.DensifyLonLat(r, 1000)) // edges are straight in lon/lat
		}
		zones = append(zones, pz)
	}
	if len(zones) > 0 {
		grow := req.NoFlyMarginM * c.k
		var err error
		if grow > 0 {
			zones, err = geo.Grow(zones, grow)
		} else {
			zones, err = geo.Boolean(geo.OpUnion, zones, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, z := range append(zones, holes...) {
		out, err := geo.SimplifyExclusion([]orb.Polygon{z}, req.MaxVertices, req.MaxChangeM)
		if err != nil {
			return nil, fmt.Errorf("%w: exclusion zone: %v", ErrFence, err)
		}
		for _, p := range out {
			fence.Polygons = append(fence.Polygons, missions.FencePolygon{Vertices: c.proj.InverseAll(p[0][:len(p[0])-1])})
		}
	}
	for _, cz := range req.NoFlyCircles {
		// Radius grown by the margin and rounded up to the metre.
		fence.Circles = append(fence.Circles, missions.FenceCircle{Center: cz.Center, RadiusM: math.Ceil(cz.RadiusM + req.NoFlyMarginM)})
	}
	return fence, nil
}
