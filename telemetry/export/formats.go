package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// GPX 1.1 (topografix.com/GPX/1/1): waypoints for detections, one track per vehicle.
type gpxWpt struct {
	XMLName xml.Name `xml:"wpt"`
	Lat     float64  `xml:"lat,attr"`
	Lon     float64  `xml:"lon,attr"`
	Ele     float64  `xml:"ele"`
	Time    string   `xml:"time"`
	Name    string   `xml:"name"`
	Type    string   `xml:"type"`
}

type gpxTrkpt struct {
	XMLName xml.Name `xml:"trkpt"`
	Lat     float64  `xml:"lat,attr"`
	Lon     float64  `xml:"lon,attr"`
	Ele     float64  `xml:"ele"`
	Time    string   `xml:"time"`
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func start(name string, attrs ...string) xml.StartElement {
	s := xml.StartElement{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		s.Attr = append(s.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	return s
}

// xmlDoc streams tokens and keeps the first error.
type xmlDoc struct {
	e   *xml.Encoder
	err error
}

func (d *xmlDoc) open(name string, attrs ...string) {
	if d.err == nil {
		d.err = d.e.EncodeToken(start(name, attrs...))
	}
}
func (d *xmlDoc) close(name string) {
	if d.err == nil {
		d.err = d.e.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
	}
}
func (d *xmlDoc) text(name, s string) {
	if d.err == nil {
		d.err = d.e.EncodeElement(s, start(name))
	}
}
func (d *xmlDoc) elem(v any) {
	if d.err == nil {
		d.err = d.e.Encode(v)
	}
}

func newXML(w io.Writer) (*xmlDoc, *bufio.Writer) {
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString(xml.Header)
	e := xml.NewEncoder(bw)
	e.Indent("", " ")
	return &xmlDoc{e: e}, bw
}

func (d *xmlDoc) finish(bw *bufio.Writer) error {
	if d.err == nil {
		d.err = d.e.Flush()
	}
	if d.err == nil {
		_, d.err = bw.WriteString("\n")
	}
	if d.err == nil {
		d.err = bw.Flush()
	}
	return d.err
}

func detectionName(dt telemetry.Detection, opt Options) string {
	return fmt.Sprintf("%s %d%% (%s, track %d)", dt.Class, dt.ConfidencePct, vehicleLabel(dt.Vehicle(), opt), dt.TrackID)
}

func writeGPX(w io.Writer, d *trackData, opt Options) error {
	x, bw := newXML(w)
	x.open("gpx", "version", "1.1", "creator", "Borderwatch", "xmlns", "http://www.topografix.com/GPX/1/1")
	x.open("metadata")
	x.text("name", opt.Name)
	x.close("metadata")
	for _, dt := range d.detections {
		x.elem(gpxWpt{Lat: dt.Lat, Lon: dt.Lon, Ele: dt.AltM, Time: ts(dt.Time), Name: detectionName(dt, opt), Type: "detection"})
	}
	for _, id := range d.order {
		x.open("trk")
		x.text("name", vehicleLabel(id, opt))
		x.open("trkseg")
		for _, p := range d.tracks[id] {
			x.elem(gpxTrkpt{Lat: p.lat, Lon: p.lon, Ele: p.altM, Time: ts(p.t)})
		}
		x.close("trkseg")
		x.close("trk")
	}
	x.close("gpx")
	return x.finish(bw)
}

func coord(lon, lat, alt float64) string {
	return strconv.FormatFloat(lon, 'f', 7, 64) + "," + strconv.FormatFloat(lat, 'f', 7, 64) + "," + strconv.FormatFloat(alt, 'f', 2, 64)
}

// writeKML writes KML 2.2: a LineString per vehicle (absolute altitude) and a
// Point per detection with its time.
func writeKML(w io.Writer, d *trackData, opt Options) error {
	x, bw := newXML(w)
	x.open("kml", "xmlns", "http://www.opengis.net/kml/2.2")
	x.open("Document")
	x.text("name", opt.Name)
	for _, id := range d.order {
		pts := d.tracks[id]
		x.open("Placemark")
		x.text("name", vehicleLabel(id, opt))
		x.open("TimeSpan")
		x.text("begin", ts(pts[0].t))
		x.text("end", ts(pts[len(pts)-1].t))
		x.close("TimeSpan")
		x.open("LineString")
		x.text("altitudeMode", "absolute")
		var sb strings.Builder
		for i, p := range pts {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(coord(p.lon, p.lat, p.altM))
		}
		x.text("coordinates", sb.String())
		x.close("LineString")
		x.close("Placemark")
	}
	for _, dt := range d.detections {
		x.open("Placemark")
		x.text("name", detectionName(dt, opt))
		x.open("TimeStamp")
		x.text("when", ts(dt.Time))
		x.close("TimeStamp")
		x.open("Point")
		x.text("coordinates", coord(dt.Lon, dt.Lat, dt.AltM))
		x.close("Point")
		x.close("Placemark")
	}
	x.close("Document")
	x.close("kml")
	return x.finish(bw)
}

// writeGeoJSON writes a FeatureCollection: a LineString per vehicle and a
// Point per detection, with times and ids as properties.
func writeGeoJSON(w io.Writer, d *trackData, opt Options) error {
	fc := geojson.NewFeatureCollection()
	for _, id := range d.order {
		pts := d.tracks[id]
		ls := make(orb.LineString, len(pts))
		alts := make([]float64, len(pts))
		for i, p := range pts {
			ls[i] = orb.Point{p.lon, p.lat}
			alts[i] = p.altM
		}
		f := geojson.NewFeature(ls)
		f.Properties["kind"] = "track"
		f.Properties["name"] = opt.Name
		f.Properties["vehicle"] = id
		f.Properties["sysid"] = id.SysID()
		f.Properties["network"] = opt.NetworkName(id.Network())
		f.Properties["start"] = ts(pts[0].t)
		f.Properties["end"] = ts(pts[len(pts)-1].t)
		f.Properties["alt_m"] = alts
		fc.Append(f)
	}
	for _, dt := range d.detections {
		f := geojson.NewFeature(orb.Point{dt.Lon, dt.Lat})
		f.Properties["kind"] = "detection"
		f.Properties["vehicle"] = dt.Vehicle()
		f.Properties["sysid"] = dt.SystemID
		f.Properties["network"] = opt.NetworkName(dt.Vehicle().Network())
		f.Properties["time"] = ts(dt.Time)
		f.Properties["class"] = dt.Class
		f.Properties["confidence_pct"] = dt.ConfidencePct
		f.Properties["track_id"] = dt.TrackID
		f.Properties["alt_m"] = dt.AltM
		f.Properties["sensor"] = dt.Sensor
		fc.Append(f)
	}
	bw := bufio.NewWriter(w)
	if err := json.NewEncoder(bw).Encode(fc); err != nil {
		return err
	}
	return bw.Flush()
}

// CSVFields are the columns a CSV export can have, one row per position
// report; "vehicle" is the vehicle id, "sysid" its MAVLink system id (they
// differ on a network other than the default), "network" the name of its
// MAVLink network (empty for the default network).
var CSVFields = []string{"time", "sysid", "lat", "lon", "alt_m", "rel_alt_m", "heading_deg", "groundspeed_m_s", "climb_rate_m_s", "battery_pct", "armed", "vehicle", "network"}

func csvValue(p point, field string, opt Options) string {
	f := func(v float64, prec int) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	switch field {
	case "time":
		return ts(p.t)
	case "sysid":
		return strconv.Itoa(int(p.vehicle.SysID()))
	case "vehicle":
		return p.vehicle.String()
	case "network":
		return opt.NetworkName(p.vehicle.Network())
	case "lat":
		return f(p.lat, 7)
	case "lon":
		return f(p.lon, 7)
	case "alt_m":
		return f(p.altM, 3)
	case "rel_alt_m":
		return f(p.relAltM, 3)
	case "heading_deg":
		return f(p.headingDeg, 2)
	case "groundspeed_m_s":
		return f(p.groundspeedMS, 2)
	case "climb_rate_m_s":
		return f(p.climbMS, 2)
	case "battery_pct":
		if p.batteryPct < 0 {
			return ""
		}
		return strconv.Itoa(p.batteryPct)
	case "armed":
		if !p.hasArmed {
			return ""
		}
		return strconv.FormatBool(p.armed)
	}
	return ""
}

// writeCSV streams one row per position report of the vehicles.
func writeCSV(w io.Writer, st *store.Store, q store.Query, opt Options) (Stats, error) {
	var s Stats
	fields := opt.Fields
	if len(fields) == 0 {
		fields = CSVFields
	}
	for _, f := range fields {
		if !containsString(CSVFields, f) {
			return s, fmt.Errorf("%w: CSV field %q (known: %s)", ErrFormat, f, strings.Join(CSVFields, ", "))
		}
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(fields); err != nil {
		return s, err
	}
	sm := newSampler()
	row := make([]string, len(fields))
	var werr error
	err := st.ScanRaw(q, func(f *telemetry.Frame) bool {
		s.Frames++
		if len(opt.Vehicles) > 0 && !containsID(opt.Vehicles, f.Vehicle()) {
			return true
		}
		p, ok := sm.frame(f)
		if !ok {
			return true
		}
		for i, name := range fields {
			row[i] = csvValue(p, name, opt)
		}
		s.Points++
		werr = cw.Write(row)
		return werr == nil
	})
	if err == nil {
		err = werr
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	return s, err
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsID(s []telemetry.VehicleID, v telemetry.VehicleID) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
