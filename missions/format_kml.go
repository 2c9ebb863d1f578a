package missions

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// KML export of a plan, for Google Earth and GIS tools, and its import.
//
// Every Placemark's description carries what it is as "key=value" words
// (kind=mission_item seq=3 command=16 frame=3 params=… autocontinue=1), so
// that ReadPlanKML reads Borderwatch's own export back without loss. A KML
// file from elsewhere is read as a fence: each Polygon an inclusion fence,
// or an exclusion zone when its name or description says "exclusion",
// "exclude", "no-fly", "no fly" or "keep out" (QGroundControl imports KML
// polygons the same way, as geofence or survey outlines).

type kmlDoc struct {
	XMLName xml.Name    `xml:"kml"`
	NS      string      `xml:"xmlns,attr"`
	Doc     kmlDocument `xml:"Document"`
}

type kmlDocument struct {
	Name    string      `xml:"name"`
	Styles  []kmlStyle  `xml:"Style"`
	Folders []kmlFolder `xml:"Folder"`
}

type kmlStyle struct {
	ID        string        `xml:"id,attr"`
	LineStyle *kmlLineStyle `xml:"LineStyle,omitempty"`
	PolyStyle *kmlPolyStyle `xml:"PolyStyle,omitempty"`
}

type kmlLineStyle struct {
	Color string  `xml:"color"`
	Width float64 `xml:"width"`
}

type kmlPolyStyle struct {
	Color string `xml:"color"`
}

type kmlFolder struct {
	Name       string     `xml:"name"`
	Placemarks []kmlPlace `xml:"Placemark"`
}

type kmlPlace struct {
	Name        string        `xml:"name"`
	Description string        `xml:"description"`
	StyleURL    string        `xml:"styleUrl,omitempty"`
	Point       *kmlPointGeom `xml:"Point,omitempty"`
	Line        *kmlLineGeom  `xml:"LineString,omitempty"`
	Polygon     *kmlPolyGeom  `xml:"Polygon,omitempty"`
}

type kmlPointGeom struct {
	AltitudeMode string `xml:"altitudeMode,omitempty"`
	Coordinates  string `xml:"coordinates"`
}

type kmlLineGeom struct {
	AltitudeMode string `xml:"altitudeMode,omitempty"`
	Coordinates  string `xml:"coordinates"`
}

type kmlPolyGeom struct {
	Outer struct {
		Ring struct {
			Coordinates string `xml:"coordinates"`
		} `xml:"LinearRing"`
	} `xml:"outerBoundaryIs"`
}

func kmlCoord(lon, lat, alt float64) string {
	if math.IsNaN(alt) {
		alt = 0
	}
	return strconv.FormatFloat(lon, 'f', -1, 64) + "," + strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(alt, 'f', -1, 64)
}

// kmlAltMode maps a MAV_FRAME to KML's altitudeMode for drawing.
func kmlAltMode(frame uint8) string {
	switch frame {
	case FrameGlobal, FrameGlobalInt:
		return "absolute"
	case FrameGlobalTerrainAlt, 11:
		return "relativeToGround"
	}
	return "relativeToGround" // relative to home: close enough to draw
}

func kmlNum(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// WritePlanKML writes the plan as a KML document: folders for the mission
// (a path and one placemark per item), the fence (polygons, circles as
// 72-sided outlines, return point) and the rally points.
func WritePlanKML(p *Plan) ([]byte, error) {
	name := p.Meta.Name
	if name == "" {
		name = "Borderwatch plan"
	}
	doc := kmlDoc{NS: "http://www.opengis.net/kml/2.2", Doc: kmlDocument{Name: name, Styles: []kmlStyle{
		{ID: "mission", LineStyle: &kmlLineStyle{Color: "ff00ffff", Width: 3}},
		{ID: "inclusion", LineStyle: &kmlLineStyle{Color: "ff00ff00", Width: 2}, PolyStyle: &kmlPolyStyle{Color: "2000ff00"}},
		{ID: "exclusion", LineStyle: &kmlLineStyle{Color: "ff0000ff", Width: 2}, PolyStyle: &kmlPolyStyle{Color: "400000ff"}},
	}}}
	// Items without a position are drawn where the vehicle is at that
	// point (the last position), so that every placemark has a geometry.
	last := orb.Point{}
	if p.Home != nil {
		last = orb.Point{p.Home.Lon, p.Home.Lat}
	}
	var mission kmlFolder
	mission.Name = "Mission"
	if h := p.Home; h != nil {
		mission.Placemarks = append(mission.Placemarks, kmlPlace{Name: "Home", Description: "kind=home alt_m=" + kmlNum(h.AltM),
			Point: &kmlPointGeom{AltitudeMode: "absolute", Coordinates: kmlCoord(h.Lon, h.Lat, h.AltM)}})
	}
	var path []string
	for i, it := range p.Mission {
		pt := last
		mode := "clampToGround"
		alt := 0.0
		if it.HasPosition() {
			if err := checkLatLon(it.Params[4], it.Params[5]); err != nil {
				return nil, fmt.Errorf("mission item %d (%s): %v", i+1, CommandName(it.Command), err)
			}
			pt = orb.Point{it.Params[5], it.Params[4]}
			last = pt
			mode, alt = kmlAltMode(it.Frame), it.Params[6]
			path = append(path, kmlCoord(pt.Lon(), pt.Lat(), alt))
		}
		ps := make([]string, 7)
		for k, v := range it.Params {
			ps[k] = kmlNum(v)
		}
		ac := 0
		if it.Autocontinue {
			ac = 1
		}
		desc := fmt.Sprintf("kind=mission_item seq=%d command=%d frame=%d params=%s autocontinue=%d", i, it.Command, it.Frame, strings.Join(ps, ","), ac)
		mission.Placemarks = append(mission.Placemarks, kmlPlace{Name: fmt.Sprintf("%d %s", i+1, CommandName(it.Command)), Description: desc,
			Point: &kmlPointGeom{AltitudeMode: mode, Coordinates: kmlCoord(pt.Lon(), pt.Lat(), alt)}})
	}
	if len(path) >= 2 {
		mission.Placemarks = append(mission.Placemarks, kmlPlace{Name: "Mission path", Description: "kind=mission_path", StyleURL: "#mission",
			Line: &kmlLineGeom{AltitudeMode: "relativeToGround", Coordinates: strings.Join(path, " ")}})
	}
	doc.Doc.Folders = append(doc.Doc.Folders, mission)

	var fence kmlFolder
	fence.Name = "Geofence"
	for i, poly := range p.Fence.Polygons {
		kind, style := "Inclusion", "inclusion"
		if !poly.Inclusion {
			kind, style = "Exclusion", "exclusion"
		}
		ring := make([]string, 0, len(poly.Vertices)+1)
		for j, v := range poly.Vertices {
			if err := checkLatLon(v.Lat(), v.Lon()); err != nil {
				return nil, fmt.Errorf("fence polygon %d vertex %d: %v", i+1, j+1, err)
			}
			ring = append(ring, kmlCoord(v.Lon(), v.Lat(), 0))
		}
		if len(ring) > 0 {
			ring = append(ring, ring[0])
		}
		pm := kmlPlace{Name: fmt.Sprintf("%s fence %d", kind, i+1), Description: "kind=fence_polygon inclusion=" + strconv.FormatBool(poly.Inclusion),
			StyleURL: "#" + style, Polygon: &kmlPolyGeom{}}
		pm.Polygon.Outer.Ring.Coordinates = strings.Join(ring, " ")
		fence.Placemarks = append(fence.Placemarks, pm)
	}
	for i, c := range p.Fence.Circles {
		kind, style := "Inclusion", "inclusion"
		if !c.Inclusion {
			kind, style = "Exclusion", "exclusion"
		}
		// KML has no circle: draw a 72-sided outline, and say the circle in
		// the description so it reads back as a circle.
		ring := make([]string, 0, 73)
		for k := 0; k <= 72; k++ {
			a := float64(k%72) * 2 * math.Pi / 72
			lat, lon := offsetLatLon(c.Center.Lat(), c.Center.Lon(), c.RadiusM*math.Cos(a), c.RadiusM*math.Sin(a))
			ring = append(ring, kmlCoord(lon, lat, 0))
		}
		pm := kmlPlace{Name: fmt.Sprintf("%s circle %d (radius %s m)", kind, i+1, kmlNum(c.RadiusM)),
			Description: fmt.Sprintf("kind=fence_circle inclusion=%t radius_m=%s center=%s,%s", c.Inclusion, kmlNum(c.RadiusM), kmlNum(c.Center.Lon()), kmlNum(c.Center.Lat())),
			StyleURL:    "#" + style, Polygon: &kmlPolyGeom{}}
		pm.Polygon.Outer.Ring.Coordinates = strings.Join(ring, " ")
		fence.Placemarks = append(fence.Placemarks, pm)
	}
	if r := p.Fence.Return; r != nil {
		fence.Placemarks = append(fence.Placemarks, kmlPlace{Name: "Fence return point", Description: "kind=fence_return alt_m=" + kmlNum(r.AltM),
			Point: &kmlPointGeom{AltitudeMode: "relativeToGround", Coordinates: kmlCoord(r.Lon, r.Lat, r.AltM)}})
	}
	if len(fence.Placemarks) > 0 {
		doc.Doc.Folders = append(doc.Doc.Folders, fence)
	}
	var rally kmlFolder
	rally.Name = "Rally points"
	for i, r := range p.Rally {
		rally.Placemarks = append(rally.Placemarks, kmlPlace{Name: fmt.Sprintf("Rally point %d", i+1), Description: "kind=rally_point alt_m=" + kmlNum(r.AltM),
			Point: &kmlPointGeom{AltitudeMode: "relativeToGround", Coordinates: kmlCoord(r.Lon, r.Lat, r.AltM)}})
	}
	if len(rally.Placemarks) > 0 {
		doc.Doc.Folders = append(doc.Doc.Folders, rally)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("writing KML: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// offsetLatLon moves a point north and east by metres (spherical Earth;
// for drawing circle outlines only).
func offsetLatLon(lat, lon, northM, eastM float64) (float64, float64) {
	const r = 6371008.8
	dLat := northM / r * 180 / math.Pi
	dLon := eastM / (r * math.Cos(lat*math.Pi/180)) * 180 / math.Pi
	return lat + dLat, lon + dLon
}

// ReadPlanKML reads a plan from KML (see the package comment above the KML
// types): Borderwatch's own export without loss, other files as fences.
func ReadPlanKML(data []byte) (*Plan, error) {
	pms, err := ReadKML(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPlanFile, err)
	}
	p := &Plan{}
	skipped := 0
	for i, pm := range pms {
		kv := kmlKeyValues(pm.Description)
		where := fmt.Sprintf("KML Placemark %d %q (line %d)", i+1, quoteClip(pm.Name), pm.Line)
		pt, isPoint := pm.Geometry.(orb.Point)
		alt := func() (float64, error) {
			s, ok := kv["alt_m"]
			if !ok {
				return 0, nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("alt_m %q is not a number", quoteClip(s))
			}
			return v, nil
		}
		switch kv["kind"] {
		case "home", "fence_return", "rally_point":
			if !isPoint {
				return nil, planErr("%s: %s must be a Point", where, kv["kind"])
			}
			a, err := alt()
			if err != nil {
				return nil, planErr("%s: %v", where, err)
			}
			pos := Position{Lat: pt.Lat(), Lon: pt.Lon(), AltM: a}
			switch kv["kind"] {
			case "home":
				p.Home = &pos
			case "fence_return":
				p.Fence.Return = &pos
			default:
				p.Rally = append(p.Rally, pos)
			}
		case "mission_item":
			it, err := kmlMissionItem(kv)
			if err != nil {
				return nil, planErr("%s: %v", where, err)
			}
			if s := kv["seq"]; s != strconv.Itoa(len(p.Mission)) {
				return nil, planErr("%s: seq %q, expected %d (mission items in order)", where, quoteClip(s), len(p.Mission))
			}
			p.Mission = append(p.Mission, it)
		case "fence_circle":
			r, err1 := strconv.ParseFloat(kv["radius_m"], 64)
			c := strings.Split(kv["center"], ",")
			if err1 != nil || !(r > 0) || len(c) != 2 {
				return nil, planErr("%s: a fence circle needs radius_m above 0 and center=lon,lat", where)
			}
			lon, err2 := strconv.ParseFloat(c[0], 64)
			lat, err3 := strconv.ParseFloat(c[1], 64)
			if err2 != nil || err3 != nil || checkLatLon(lat, lon) != nil {
				return nil, planErr("%s: center %q is not lon,lat", where, quoteClip(kv["center"]))
			}
			p.Fence.Circles = append(p.Fence.Circles, FenceCircle{Inclusion: kv["inclusion"] != "false", Center: orb.Point{lon, lat}, RadiusM: r})
		case "mission_path":
			// drawing only
		default:
			poly, ok := pm.Geometry.(orb.Polygon)
			if !ok {
				skipped++
				continue
			}
			if len(poly) > 1 {
				return nil, planErr("%s: the Polygon has %d inner boundaries; a fence polygon has none (make each an exclusion polygon)", where, len(poly)-1)
			}
			ring := poly[0]
			if len(ring) > 1 && ring[0] == ring[len(ring)-1] {
				ring = ring[:len(ring)-1]
			}
			if len(ring) < 3 {
				return nil, planErr("%s: %d vertices; a fence polygon needs at least 3", where, len(ring))
			}
			inclusion := true
			if s, ok := kv["inclusion"]; ok {
				inclusion = s != "false"
			} else if kmlSaysExclusion(pm.Name + " " + pm.Description) {
				inclusion = false
			}
			p.Fence.Polygons = append(p.Fence.Polygons, FencePolygon{Inclusion: inclusion, Vertices: append([]orb.Point(nil), ring...)})
		}
	}
	if skipped > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("KML: %d placemark(s) that are neither fence polygons nor part of a Borderwatch plan (lines, points) skipped", skipped))
	}
	if len(p.Mission) == 0 && p.Fence.IsEmpty() && len(p.Rally) == 0 && p.Home == nil {
		return nil, planErr("KML: no Polygon to make a fence from and no Borderwatch plan placemarks (%d line or point placemark(s) skipped; border and corridor lines are loaded as layers)", skipped)
	}
	return p, nil
}

func kmlSaysExclusion(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"exclusion", "exclude", "no-fly", "no fly", "nofly", "keep out", "keep-out"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func kmlKeyValues(desc string) map[string]string {
	kv := map[string]string{}
	if !strings.HasPrefix(desc, "kind=") {
		return kv
	}
	for _, w := range strings.Fields(desc) {
		if k, v, ok := strings.Cut(w, "="); ok {
			kv[k] = v
		}
	}
	return kv
}

func kmlMissionItem(kv map[string]string) (Item, error) {
	cmd, err1 := strconv.ParseUint(kv["command"], 10, 16)
	frame, err2 := strconv.ParseUint(kv["frame"], 10, 8)
	if err1 != nil || err2 != nil {
		return Item{}, fmt.Errorf("command %q or frame %q is not a number", quoteClip(kv["command"]), quoteClip(kv["frame"]))
	}
	ps := strings.Split(kv["params"], ",")
	if len(ps) != 7 {
		return Item{}, fmt.Errorf("params has %d values, want 7", len(ps))
	}
	it := Item{Command: uint16(cmd), Frame: uint8(frame), Autocontinue: kv["autocontinue"] != "0"}
	for k, s := range ps {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) {
			return Item{}, fmt.Errorf("param%d %q is not a number", k+1, quoteClip(s))
		}
		it.Params[k] = v
	}
	if it.HasPosition() {
		if err := checkLatLon(it.Params[4], it.Params[5]); err != nil {
			return Item{}, err
		}
	}
	return it, nil
}
