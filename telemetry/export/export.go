// Package export writes stored frames and events in formats other tools
// read: .tlog (every MAVLink tool), GPX and KML (tracks, and detections in
// KML), GeoJSON (a track LineString per vehicle, detection Points) and CSV of
// chosen fields. Signing keys are never exported, and SETUP_SIGNING frames
// (which carry one) are left out of every format.
package export

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

// Format is an export format.
type Format string

// Formats.
const (
	TLog    Format = "tlog"
	GPX     Format = "gpx"
	KML     Format = "kml"
	GeoJSON Format = "geojson"
	CSV     Format = "csv"
	// Evidence is a zip of the tlog, GeoJSON, events, alerts, operator
	// actions and plan versions with a manifest of their SHA-256 and the
	// store's chain head (evidence.go).
	Evidence Format = "evidence"
)

// ErrFormat means an unknown format or CSV field was asked for.
var ErrFormat = errors.New("export: unknown format")

// Formats lists the formats, for help texts and errors.
var Formats = []Format{TLog, GPX, KML, GeoJSON, CSV, Evidence}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(s))
	if !slices.Contains(Formats, f) {
		return "", fmt.Errorf("%w %q: want one of tlog, gpx, kml, geojson, csv, evidence", ErrFormat, s)
	}
	return f, nil
}

// Extension is a file name extension for the format.
func (f Format) Extension() string {
	if f == Evidence {
		return "zip"
	}
	return string(f)
}

// ContentType is the MIME type of a format.
func (f Format) ContentType() string {
	switch f {
	case TLog:
		return "application/octet-stream"
	case GPX:
		return "application/gpx+xml"
	case KML:
		return "application/vnd.google-earth.kml+xml"
	case GeoJSON:
		return "application/geo+json"
	case CSV:
		return "text/csv"
	case Evidence:
		return "application/zip"
	}
	return "application/octet-stream"
}

// Options tune an export.
type Options struct {
	// (optional) Name of the track or document. Defaults to "Borderwatch".
	Name string
	// (optional) Fields are the CSV columns (CSVFields lists them). Defaults to all.
	Fields []string
	// (optional) Vehicles are the systems whose positions make tracks (the
	// others, e.g. a ground station, are only in a tlog). Defaults to every
	// system in the query.
	Vehicles []telemetry.VehicleID
	// (optional) Now dates an evidence package. Defaults to time.Now.
	Now func() time.Time
	// (optional) NetworkName names a vehicle's MAVLink network in track and
	// detection names, GeoJSON properties and the CSV "network" column.
	// Defaults to the store's registry (store.Store.NetworkNamer): a network
	// is "#N" only when the store has no name for number N.
	NetworkName func(number uint32) string
}

// withNetworkNames fills opt.NetworkName from the store when it is not set.
func withNetworkNames(st *store.Store, opt Options) (Options, error) {
	if opt.NetworkName != nil {
		return opt, nil
	}
	name, err := st.NetworkNamer()
	if err != nil {
		return opt, fmt.Errorf("export: naming networks: %w", err)
	}
	opt.NetworkName = name
	return opt, nil
}

// vehicleLabel names a vehicle in a track's or a detection's name: its id,
// and on a network other than the default, the network's name and the
// system id (the id alone says neither to someone reading a KML in a GIS).
func vehicleLabel(id telemetry.VehicleID, opt Options) string {
	if id.Network() == 0 {
		return fmt.Sprintf("vehicle %d", id)
	}
	return fmt.Sprintf("vehicle %d (network %s, system %d)", id, opt.NetworkName(id.Network()), id.SysID())
}

// Stats says what an export wrote.
type Stats struct {
	Frames     uint64 // frames read (tlog: written)
	Points     uint64 // track points written
	Detections uint64
	Withheld   uint64 // SETUP_SIGNING frames left out
}

// Sortie exports one sortie.
func Sortie(w io.Writer, st *store.Store, so store.Sortie, f Format, opt Options) (Stats, error) {
	from, to := so.Window()
	if opt.Name == "" {
		opt.Name = fmt.Sprintf("Borderwatch sortie %d (vehicle %d)", so.ID, so.Vehicle)
	}
	if len(opt.Vehicles) == 0 {
		opt.Vehicles = []telemetry.VehicleID{so.Vehicle}
	}
	q := store.Query{Stream: so.Stream, Systems: so.Systems(), From: from, To: to}
	opt, err := withNetworkNames(st, opt)
	if err != nil {
		return Stats{}, err
	}
	if f == Evidence {
		return writeEvidence(w, st, q, &so, opt)
	}
	return Window(w, st, q, f, opt)
}

// CheckWindow says what is wrong with a time window to export (the CLI's
// --from/--to and GET /api/v1/evidence both check it here): both ends set,
// From before To.
func CheckWindow(q store.Query) error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return errors.New("a window needs both its start (from) and its end (to)")
	case !q.From.Before(q.To):
		return fmt.Errorf("the window's start %s must be before its end %s", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	return nil
}

// WindowFileName is the name a window's export is saved under.
func WindowFileName(q store.Query, f Format) string {
	return fmt.Sprintf("window-%s-%s.%s", q.From.UTC().Format("20060102T150405Z"), q.To.UTC().Format("20060102T150405Z"), f.Extension())
}

// Window exports the frames a query selects, and the detections of its
// vehicles in its time window.
func Window(w io.Writer, st *store.Store, q store.Query, f Format, opt Options) (Stats, error) {
	if opt.Name == "" {
		opt.Name = "Borderwatch"
	}
	opt, err := withNetworkNames(st, opt)
	if err != nil {
		return Stats{}, err
	}
	switch f {
	case TLog:
		return writeTlog(w, st, q)
	case CSV:
		return writeCSV(w, st, q, opt)
	case Evidence:
		return writeEvidence(w, st, q, nil, opt)
	case GPX, KML, GeoJSON:
		d, err := collect(st, q, opt)
		if err != nil {
			return d.stats, err
		}
		switch f {
		case GPX:
			err = writeGPX(w, d, opt)
		case KML:
			err = writeKML(w, d, opt)
		default:
			err = writeGeoJSON(w, d, opt)
		}
		return d.stats, err
	}
	return Stats{}, fmt.Errorf("%w %q", ErrFormat, f)
}

func writeTlog(w io.Writer, st *store.Store, q store.Query) (Stats, error) {
	var s Stats
	tw := tlog.NewWriter(w)
	var werr error
	err := st.ScanRaw(q, func(f *telemetry.Frame) bool {
		if f.MessageID == store.MsgSetupSigning {
			s.Withheld++
			return true
		}
		if werr = tw.Write(f.Time, f.Raw); werr != nil {
			return false
		}
		s.Frames++
		return true
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		err = tw.Flush()
	}
	return s, err
}

// point is one position of a track.
type point struct {
	t               time.Time
	lat, lon        float64
	altM, relAltM   float64
	headingDeg      float64
	groundspeedMS   float64
	climbMS         float64
	batteryPct      int
	armed, hasArmed bool
	vehicle         telemetry.VehicleID
}

type trackData struct {
	tracks     map[telemetry.VehicleID][]point
	order      []telemetry.VehicleID
	detections []telemetry.Detection
	stats      Stats
}

// sampler turns frames into track points through the shared decoder
// (mavlink/decode): the same state update, admission and arm state as live
// and replay. It admits systems without a heartbeat (an exported window may
// begin between two, an imported fragment may hold none).
type sampler struct {
	vehicles decode.Table
}

func newSampler() *sampler { return &sampler{vehicles: decode.Table{AdmitWithoutHeartbeat: true}} }

func (s *sampler) frame(f *telemetry.Frame) (point, bool) {
	switch f.MessageID {
	case 0, 1, 33:
	default:
		return point{}, false
	}
	m, ok := decode.Raw(f.Raw)
	if !ok {
		return point{}, false
	}
	r := s.vehicles.Message(f.Vehicle(), f.ComponentID, m, f.Time, nil)
	gp, ok := m.(*common.MessageGlobalPositionInt)
	if !ok || r.State == nil || !r.State.HasPosition {
		return point{}, false // not a position, or no fix yet
	}
	st := r.State
	p := point{t: f.Time, vehicle: f.Vehicle(), lat: st.Lat, lon: st.Lon, altM: st.AltM, relAltM: st.RelAltM,
		groundspeedMS: st.GroundspeedMS, climbMS: st.ClimbRateMS, headingDeg: st.HeadingDeg, batteryPct: st.BatteryPct,
		armed: st.Armed, hasArmed: st.HeartbeatSeen()}
	if gp.Hdg == math.MaxUint16 {
		p.headingDeg = math.NaN() // this position carries no heading
	}
	return p, true
}

func collect(st *store.Store, q store.Query, opt Options) (*trackData, error) {
	d := &trackData{tracks: map[telemetry.VehicleID][]point{}}
	sm := newSampler()
	err := st.ScanRaw(q, func(f *telemetry.Frame) bool {
		d.stats.Frames++
		if len(opt.Vehicles) > 0 && !slices.Contains(opt.Vehicles, f.Vehicle()) {
			return true
		}
		if p, ok := sm.frame(f); ok {
			if _, seen := d.tracks[p.vehicle]; !seen {
				d.order = append(d.order, p.vehicle)
			}
			d.tracks[p.vehicle] = append(d.tracks[p.vehicle], p)
			d.stats.Points++
		}
		return true
	})
	if err != nil {
		return d, err
	}
	if q.Stream != 0 {
		return d, nil // events are recorded live only
	}
	vehicles := opt.Vehicles
	if len(vehicles) == 0 {
		vehicles = q.Systems
	}
	err = st.Events(store.EventFilter{Types: []string{"detection"}, Vehicles: vehicles, From: q.From, To: q.To}, func(e telemetry.Event) bool {
		d.detections = append(d.detections, e.(telemetry.Detection))
		d.stats.Detections++
		return true
	})
	return d, err
}
