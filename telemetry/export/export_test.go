package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

var secretKey = [32]byte{0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x42, 0x42, 0x99, 0x98, 0x97, 0x96, 0x95, 0x94, 0x93, 0x92}

// flight records one sortie of vehicle 4: arm, 20 positions going north with
// a SETUP_SIGNING in the middle, two detections, disarm.
func flight(t *testing.T) (*store.Store, store.Sortie) {
	s := storetest.MustOpen(t)
	if err := s.SetSigningKey(4, secretKey); err != nil {
		t.Fatal(err)
	}
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 4, ComponentID: 1}
	var frames []telemetry.Frame
	add := func(sec float64, m message.Message) {
		raw, err := e.Encode(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, telemetry.Frame{Time: t0.Add(time.Duration(sec * float64(time.Second))), SystemID: 4, ComponentID: 1, MessageID: m.GetID(), Raw: raw})
	}
	hb := func(armed bool) *common.MessageHeartbeat {
		h := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_PX4}
		if armed {
			h.BaseMode = common.MAV_MODE_FLAG_SAFETY_ARMED
		}
		return h
	}
	add(0, hb(true))
	add(0.5, &common.MessageSysStatus{BatteryRemaining: 90})
	for i := 0; i < 20; i++ {
		add(1+float64(i), &common.MessageGlobalPositionInt{Lat: int32((31.5 + float64(i)*0.0001) * 1e7), Lon: int32(-110.9 * 1e7), Alt: 1500000 + int32(i)*1000, Hdg: 65535})
		if i == 10 {
			add(1+float64(i)+0.5, &common.MessageSetupSigning{TargetSystem: 4, SecretKey: secretKey})
		}
	}
	add(30, hb(false))
	events := []telemetry.Event{
		telemetry.Detection{EventHeader: telemetry.Header(t0.Add(5*time.Second), 4), Class: "person", ConfidencePct: 87, Lat: 31.5004, Lon: -110.9001, AltM: 1400},
		telemetry.Detection{EventHeader: telemetry.Header(t0.Add(9*time.Second), 4), Class: "vehicle", ConfidencePct: 60, Lat: 31.5008, Lon: -110.8999, AltM: 1401},
	}
	if err := s.Append(frames, events); err != nil {
		t.Fatal(err)
	}
	so, err := s.Sorties(store.SortieFilter{Vehicle: 4})
	if err != nil || len(so) != 1 {
		t.Fatalf("sorties %+v, %v", so, err)
	}
	return s, so[0]
}

func exportTo(t *testing.T, s *store.Store, so store.Sortie, f export.Format, opt export.Options) []byte {
	var buf bytes.Buffer
	if _, err := export.Sortie(&buf, s, so, f, opt); err != nil {
		t.Fatalf("export %s: %v", f, err)
	}
	if bytes.Contains(buf.Bytes(), secretKey[:8]) {
		t.Fatalf("%s export contains the signing key", f)
	}
	return buf.Bytes()
}

func TestSortie_TLog_NoSigningKeyOrSetupSigning(t *testing.T) {
	s, so := flight(t)
	data := exportTo(t, s, so, export.TLog, export.Options{})
	r := &tlog.Reader{R: bytes.NewReader(data)}
	_ = r.Initialize()
	n := 0
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if rec.Frame.MessageID == 256 {
			t.Fatal("SETUP_SIGNING in the tlog export")
		}
		n++
	}
	if n != 23 || r.Stats.BadChecksum+r.Stats.Truncated+r.Stats.GarbageBytes != 0 {
		t.Fatalf("%d records (%+v), want 23 clean ones", n, r.Stats)
	}
}

func TestSortie_GPX_TrackAndDetectionWaypoints(t *testing.T) {
	s, so := flight(t)
	var doc struct {
		Wpts []struct {
			Lat  float64 `xml:"lat,attr"`
			Name string  `xml:"name"`
		} `xml:"wpt"`
		Trk []struct {
			Name string `xml:"name"`
			Pts  []struct {
				Lat  float64 `xml:"lat,attr"`
				Lon  float64 `xml:"lon,attr"`
				Ele  float64 `xml:"ele"`
				Time string  `xml:"time"`
			} `xml:"trkseg>trkpt"`
		} `xml:"trk"`
	}
	if err := xml.Unmarshal(exportTo(t, s, so, export.GPX, export.Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Trk) != 1 || len(doc.Trk[0].Pts) != 20 || len(doc.Wpts) != 2 {
		t.Fatalf("GPX: %d tracks, %d waypoints", len(doc.Trk), len(doc.Wpts))
	}
	p := doc.Trk[0].Pts[19]
	if p.Lat != 31.5019 || p.Lon != -110.9 || p.Ele != 1519 || p.Time != "2026-05-01T12:00:20.000000Z" {
		t.Fatalf("last point %+v", p)
	}
	if !strings.HasPrefix(doc.Wpts[0].Name, "person 87%") {
		t.Fatalf("waypoint %+v", doc.Wpts[0])
	}
}

func TestSortie_KML_LineStringAndPoints(t *testing.T) {
	s, so := flight(t)
	var doc struct {
		Placemarks []struct {
			Name  string `xml:"name"`
			Line  string `xml:"LineString>coordinates"`
			Point string `xml:"Point>coordinates"`
			When  string `xml:"TimeStamp>when"`
		} `xml:"Document>Placemark"`
	}
	if err := xml.Unmarshal(exportTo(t, s, so, export.KML, export.Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Placemarks) != 3 {
		t.Fatalf("%d placemarks, want a track and 2 detections", len(doc.Placemarks))
	}
	coords := strings.Fields(doc.Placemarks[0].Line)
	if len(coords) != 20 || coords[0] != "-110.9000000,31.5000000,1500.00" {
		t.Fatalf("track coordinates %v", coords)
	}
	if doc.Placemarks[1].Point != "-110.9001000,31.5004000,1400.00" || doc.Placemarks[1].When != "2026-05-01T12:00:05.000000Z" {
		t.Fatalf("detection placemark %+v", doc.Placemarks[1])
	}
}

func TestSortie_GeoJSON_LineStringAndPoints(t *testing.T) {
	s, so := flight(t)
	fc, err := geojson.UnmarshalFeatureCollection(exportTo(t, s, so, export.GeoJSON, export.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 3 {
		t.Fatalf("%d features", len(fc.Features))
	}
	ls, ok := fc.Features[0].Geometry.(orb.LineString)
	if !ok || len(ls) != 20 || ls[0] != (orb.Point{-110.9, 31.5}) {
		t.Fatalf("track %v", fc.Features[0].Geometry)
	}
	pt, ok := fc.Features[2].Geometry.(orb.Point)
	if !ok || pt != (orb.Point{-110.8999, 31.5008}) || fc.Features[2].Properties["class"] != "vehicle" {
		t.Fatalf("detection %v %v", fc.Features[2].Geometry, fc.Features[2].Properties)
	}
}

func TestSortie_CSV_ChosenFields(t *testing.T) {
	s, so := flight(t)
	rows, err := csv.NewReader(bytes.NewReader(exportTo(t, s, so, export.CSV, export.Options{Fields: []string{"time", "lat", "alt_m", "battery_pct", "armed"}}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 21 || strings.Join(rows[0], ",") != "time,lat,alt_m,battery_pct,armed" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if strings.Join(rows[1], ",") != "2026-05-01T12:00:01.000000Z,31.5000000,1500.000,90,true" {
		t.Fatalf("first row %v", rows[1])
	}
	var buf bytes.Buffer
	if _, err := export.Sortie(&buf, s, so, export.CSV, export.Options{Fields: []string{"password"}}); !errors.Is(err, export.ErrFormat) {
		t.Fatalf("unknown field: %v", err)
	}
	if _, err := export.ParseFormat("shp"); !errors.Is(err, export.ErrFormat) {
		t.Fatalf("unknown format: %v", err)
	}
}
