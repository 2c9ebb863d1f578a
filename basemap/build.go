package basemap

import (
	"fmt"

	"github.com/google/renameio/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

// Options says which zooms Build makes.
type Options struct {
	// (optional) MinZoom is the lowest zoom made. Defaults to 0.
	MinZoom uint8
	// (optional) MaxZoom is the highest zoom made for the detail kinds
	// (roads, rivers …). Defaults to 14; at most 16.
	MaxZoom uint8
	// (optional) BackgroundMaxZoom is the highest zoom that land and
	// countries make tiles on their own; deeper, they are drawn only in
	// tiles that a detail layer makes, so that a continent does not become
	// millions of tiles. Defaults to 7.
	BackgroundMaxZoom uint8
}

func (o *Options) initialize() error {
	if o.MaxZoom == 0 {
		o.MaxZoom = 14
	}
	if o.BackgroundMaxZoom == 0 {
		o.BackgroundMaxZoom = 7
	}
	if o.MaxZoom > 16 {
		return fmt.Errorf("basemap: max zoom %d is above 16 (a 16 tile is ~600 m wide; finer adds size, not detail)", o.MaxZoom)
	}
	if o.MinZoom > o.MaxZoom {
		return fmt.Errorf("basemap: min zoom %d is above max zoom %d", o.MinZoom, o.MaxZoom)
	}
	return nil
}

// Stats says what Build made.
type Stats struct {
	Tiles    int
	Features int
	Bytes    int
}

// tileBuffer is how far beyond its edge a tile's geometry reaches, as a
// fraction of the tile: lines and polygon edges then join without seams.
const tileBuffer = 1.0 / 16

// simplifyTolerance is Douglas–Peucker's tolerance in tile units (4096 per
// tile, 16 per pixel of a 256-pixel tile): below a pixel, detail is weight.
const simplifyTolerance = 4.0

// part is a feature's geometry as clipped to the current tile.
type part struct {
	kind  Kind
	geom  orb.Geometry
	props geojson.Properties
}

// Build tiles the layers into a vector-tile archive: each kind becomes one
// MVT layer of that name. Tiling is top-down: a tile's children are
// visited only with the geometry that survived clipping to the tile, so
// the work follows the data, not the bounding box.
func Build(layers []Layer, opt Options) (*Archive, Stats, error) {
	var st Stats
	if err := opt.initialize(); err != nil {
		return nil, st, err
	}
	var parts []part
	bound := orb.Bound{Min: orb.Point{180, 90}, Max: orb.Point{-180, -90}}
	detailBound := bound
	for _, l := range layers {
		if !l.Kind.valid() {
			return nil, st, fmt.Errorf("basemap: layer %s: unknown kind %q", l.Name, l.Kind)
		}
		for _, f := range l.Features.Features {
			// Web Mercator stops at ±85.05°; clip before projecting.
			g := clip.Geometry(orb.Bound{Min: orb.Point{-180, -85.0511}, Max: orb.Point{180, 85.0511}}, orb.Clone(f.Geometry))
			if g == nil {
				continue
			}
			parts = append(parts, part{kind: l.Kind, geom: g, props: f.Properties})
			if lp, ok := labelPoint(l.Kind, g, f.Properties); ok {
				parts = append(parts, lp)
			}
			bound = bound.Union(g.Bound())
			if !l.Kind.background() {
				detailBound = detailBound.Union(g.Bound())
			}
			st.Features++
		}
	}
	if len(parts) == 0 {
		return nil, st, fmt.Errorf("basemap: the layers hold no features inside Web Mercator's range")
	}
	a := &Archive{TileType: TileTypeMVT, TileCompression: CompressionGzip, Bounds: bound}
	a.Center, a.CenterZoom = bound.Center(), opt.BackgroundMaxZoom
	if detailBound.Min[0] <= detailBound.Max[0] {
		a.Center = detailBound.Center()
		a.CenterZoom = min(opt.MaxZoom, 12)
	}
	var err error
	var visit func(t maptile.Tile, in []part)
	visit = func(t maptile.Tile, in []part) {
		if err != nil {
			return
		}
		tb := t.Bound()
		dx, dy := (tb.Max[0]-tb.Min[0])*tileBuffer, (tb.Max[1]-tb.Min[1])*tileBuffer
		buf := orb.Bound{Min: orb.Point{tb.Min[0] - dx, tb.Min[1] - dy}, Max: orb.Point{tb.Max[0] + dx, tb.Max[1] + dy}}
		var here []part
		drives := false
		for _, p := range in {
			if !p.geom.Bound().Intersects(buf) {
				continue
			}
			g := p.geom
			if !boundWithin(g.Bound(), buf) {
				// clip uses its input as scratch space, and the sibling
				// tiles still need it: clip a copy.
				g = clip.Geometry(buf, orb.Clone(g))
			}
			if g == nil || isEmpty(g) {
				continue
			}
			here = append(here, part{kind: p.kind, geom: g, props: p.props})
			if !p.kind.background() || uint8(t.Z) <= opt.BackgroundMaxZoom {
				drives = true
			}
		}
		if !drives {
			return
		}
		if uint8(t.Z) >= opt.MinZoom {
			data, e := encodeTile(t, here)
			if e != nil {
				err = fmt.Errorf("basemap: tile %d/%d/%d: %w", t.Z, t.X, t.Y, e)
				return
			}
			if data != nil {
				a.Put(uint8(t.Z), t.X, t.Y, data)
				st.Tiles++
			}
		}
		if uint8(t.Z) < opt.MaxZoom {
			for _, c := range t.Children() {
				visit(c, here)
			}
		}
	}
	visit(maptile.New(0, 0, 0), parts)
	if err != nil {
		return nil, st, err
	}
	a.Metadata = metadata(layers, opt)
	return a, st, nil
}

// labelPoint: a named settlement or sector polygon also gets one point at
// its bounding box's centre, so that the map labels it once rather than
// once in every tile that a piece of it falls in. The UI labels points.
func labelPoint(k Kind, g orb.Geometry, props geojson.Properties) (part, bool) {
	if k != KindSettlements && k != KindSectors {
		return part{}, false
	}
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return part{}, false
	}
	if _, named := props["name"].(string); !named {
		return part{}, false
	}
	return part{kind: k, geom: g.Bound().Center(), props: props}, true
}

func boundWithin(in, out orb.Bound) bool {
	return in.Min[0] >= out.Min[0] && in.Min[1] >= out.Min[1] && in.Max[0] <= out.Max[0] && in.Max[1] <= out.Max[1]
}

func isEmpty(g orb.Geometry) bool {
	switch t := g.(type) {
	case orb.MultiPoint:
		return len(t) == 0
	case orb.MultiLineString:
		return len(t) == 0
	case orb.Polygon:
		return len(t) == 0 || len(t[0]) == 0
	case orb.MultiPolygon:
		return len(t) == 0
	case orb.Collection:
		return len(t) == 0
	}
	return false
}

// encodeTile projects, simplifies and encodes the parts of one tile; nil
// when nothing is left at this zoom (all below a pixel).
func encodeTile(t maptile.Tile, parts []part) ([]byte, error) {
	fcs := map[string]*geojson.FeatureCollection{}
	for _, p := range parts {
		fc := fcs[string(p.kind)]
		if fc == nil {
			fc = geojson.NewFeatureCollection()
			fcs[string(p.kind)] = fc
		}
		// Projection works in place: give it a copy, the children still
		// need the geographic geometry.
		fc.Append(&geojson.Feature{Geometry: orb.Clone(p.geom), Properties: p.props})
	}
	ls := mvt.NewLayers(fcs)
	ls.ProjectToTile(t)
	ls.Simplify(simplify.DouglasPeucker(simplifyTolerance))
	ls.RemoveEmpty(1.0, 1.0)
	n := 0
	for _, l := range ls {
		n += len(l.Features)
	}
	if n == 0 {
		return nil, nil
	}
	return mvt.MarshalGzipped(ls)
}

// metadata: the vector_layers the spec's MVT archives carry (TileJSON), so
// that a viewer knows the layers and their zooms.
func metadata(layers []Layer, opt Options) map[string]any {
	seen := map[Kind]bool{}
	var vl []map[string]any
	for _, k := range Kinds {
		for _, l := range layers {
			if l.Kind == k && !seen[k] {
				seen[k] = true
				vl = append(vl, map[string]any{"id": string(k), "minzoom": opt.MinZoom, "maxzoom": opt.MaxZoom, "fields": map[string]string{}})
			}
		}
	}
	return map[string]any{
		"name":          "Borderwatch basemap",
		"description":   "Built by borderwatch basemap build from the agency's own layers",
		"generator":     "borderwatch",
		"vector_layers": vl,
	}
}

// BuildFile reads "KIND:FILE" layer specs, builds the basemap and writes it
// to out atomically (a reader never sees half an archive). The CLI's
// `basemap build` is this function.
func BuildFile(specs []string, opt Options, out string) (Stats, error) {
	if len(specs) == 0 {
		return Stats{}, fmt.Errorf("basemap: no layers: give --layer KIND:FILE (kinds: %s)", kindList())
	}
	var layers []Layer
	for _, s := range specs {
		kind, file, err := ParseLayerSpec(s)
		if err != nil {
			return Stats{}, err
		}
		l, err := ReadLayerFile(kind, file)
		if err != nil {
			return Stats{}, err
		}
		layers = append(layers, l)
	}
	a, st, err := Build(layers, opt)
	if err != nil {
		return st, err
	}
	pf, err := renameio.NewPendingFile(out, renameio.WithPermissions(0o644))
	if err != nil {
		return st, fmt.Errorf("basemap: create %s: %w", out, err)
	}
	defer pf.Cleanup()
	n, err := a.WriteTo(pf)
	if err != nil {
		return st, err
	}
	st.Bytes = int(n)
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return st, fmt.Errorf("basemap: write %s: %w", out, err)
	}
	return st, nil
}
