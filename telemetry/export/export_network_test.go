package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/export"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// Issue 14: exports named a vehicle by its id alone, a network at best as
// "#N". A sortie of a vehicle on a named network names the network by the
// store's name in every format that carries names: GPX and KML track names,
// GeoJSON properties, the CSV "network" column.
func TestExport_NamedNetwork_NamedInEveryFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := storetest.MustOpenPath(t, path)
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := s.ImportTlogNetwork(f, "east", "import:fence_breach.tlog", nil)
	if err != nil || len(res.Sorties) == 0 {
		t.Fatalf("import: %v, %d sorties", err, len(res.Sorties))
	}
	so := res.Sorties[0]
	if so.Vehicle.Network() == 0 {
		t.Fatalf("vehicle %d is on the default network", so.Vehicle)
	}
	label := fmt.Sprintf("network east, system %d", so.Vehicle.SysID())
	exp := func(fm export.Format) []byte {
		t.Helper()
		var buf bytes.Buffer
		st, err := export.Sortie(&buf, s, so, fm, export.Options{})
		if err != nil || st.Points == 0 {
			t.Fatalf("%s: %v, %d points", fm, err, st.Points)
		}
		if bytes.Contains(buf.Bytes(), []byte("#")) && fm != export.CSV {
			t.Fatalf("%s names a network by number: %.400s", fm, buf.String())
		}
		return buf.Bytes()
	}
	for _, fm := range []export.Format{export.GPX, export.KML} {
		if b := exp(fm); !bytes.Contains(b, []byte(label)) {
			t.Fatalf("%s: no %q in its names: %.600s", fm, label, b)
		}
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(exp(export.GeoJSON), &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("geojson: %v", err)
	}
	if p := fc.Features[0].Properties; p["network"] != "east" || p["vehicle"] != float64(so.Vehicle) {
		t.Fatalf("geojson properties %v; want network east, vehicle %d", p, so.Vehicle)
	}
	rows, err := csv.NewReader(bytes.NewReader(exp(export.CSV))).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	col := -1
	for i, h := range rows[0] {
		if h == "network" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("csv header %v has no network column", rows[0])
	}
	for _, r := range rows[1:] {
		if r[col] != "east" {
			t.Fatalf("csv row %v: network %q, want east", r, r[col])
		}
	}
}

// A network the store has no name for (frames recorded under a number its
// registry does not hold, as in a store copied without it) stays "#N", and
// the default network is named by nothing.
func TestExport_UnknownNetwork_KeepsNumberLabel(t *testing.T) {
	s := storetest.MustOpen(t)
	const net = 9
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 4, ComponentID: 1}
	var frames []telemetry.Frame
	add := func(network uint32, sec int, m message.Message) {
		raw, err := e.Encode(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, telemetry.Frame{Time: t0.Add(time.Duration(sec) * time.Second), Network: network, SystemID: 4, ComponentID: 1, MessageID: m.GetID(), Raw: raw})
	}
	for _, n := range []uint32{0, net} {
		add(n, 0, &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_PX4})
		for i := 1; i < 5; i++ {
			add(n, i, &common.MessageGlobalPositionInt{Lat: int32(31.5e7) + int32(i*100), Lon: int32(-110.9e7), Alt: 1500000, Hdg: 65535})
		}
	}
	if err := s.AppendFrames(frames); err != nil {
		t.Fatal(err)
	}
	q := store.Query{Systems: []telemetry.VehicleID{4, telemetry.VehicleOf(net, 4)}, From: t0, To: t0.Add(time.Minute)}
	var buf bytes.Buffer
	if _, err := export.Window(&buf, s, q, export.GeoJSON, export.Options{}); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil || len(fc.Features) != 2 {
		t.Fatalf("geojson: %v, %s", err, buf.String())
	}
	got := map[float64]any{}
	for _, f := range fc.Features {
		got[f.Properties["vehicle"].(float64)] = f.Properties["network"]
	}
	if got[4] != "" || got[float64(telemetry.VehicleOf(net, 4))] != "#9" {
		t.Fatalf("networks by vehicle %v; want 4 on \"\" and %d on #9", got, telemetry.VehicleOf(net, 4))
	}
	buf.Reset()
	if _, err := export.Window(&buf, s, q, export.KML, export.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<name>vehicle 4</name>") || !strings.Contains(buf.String(), "network #9, system 4") {
		t.Fatalf("kml names: %s", buf.String())
	}
}
