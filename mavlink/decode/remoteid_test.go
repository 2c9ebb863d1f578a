package decode

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

func ridMac(b byte) [20]byte { return [20]byte{0: 0x02, 5: b} }

func ridUASID(s string) (out [20]byte) { copy(out[:], s); return }

// ridMessages is one intruder's broadcast as a receiver relays it.
func ridMessages(mac [20]byte) []message.Message {
	return []message.Message{
		&common.MessageOpenDroneIdBasicId{IdOrMac: mac, IdType: common.MAV_ODID_ID_TYPE_SERIAL_NUMBER,
			UaType: common.MAV_ODID_UA_TYPE_HELICOPTER_OR_MULTIROTOR, UasId: ridUASID("1596F1234567890")},
		&common.MessageOpenDroneIdLocation{IdOrMac: mac, Status: common.MAV_ODID_STATUS_AIRBORNE, Direction: 9050,
			SpeedHorizontal: 1250, SpeedVertical: -150, Latitude: 474000000, Longitude: 85000000,
			AltitudeBarometric: 510, AltitudeGeodetic: 512.5, Height: 80, Timestamp: 1200},
		&common.MessageOpenDroneIdSystem{IdOrMac: mac, OperatorLatitude: 473990000, OperatorLongitude: 84990000},
		&common.MessageOpenDroneIdSelfId{IdOrMac: mac, Description: "survey\x00<b>x"},
		&common.MessageOpenDroneIdOperatorId{IdOrMac: mac, OperatorId: "FIN87astrdge12k8"},
	}
}

func TestVehicleState_Update_RemoteIDMergesOneTrack(t *testing.T) {
	s := NewVehicleState(1)
	var evs []telemetry.RemoteID
	emit := func(e telemetry.Event) {
		if r, ok := e.(telemetry.RemoteID); ok {
			evs = append(evs, r)
		}
	}
	t0 := time.Unix(1_800_000_000, 0)
	for i, m := range ridMessages(ridMac(1)) {
		if s.Update(m, 236, t0.Add(time.Duration(i)*time.Second), emit) {
			t.Errorf("%T changed the receiving vehicle's state", m)
		}
	}
	if len(evs) != 5 {
		t.Fatalf("events = %d, want one per message (5)", len(evs))
	}
	got := evs[len(evs)-1]
	want := telemetry.RemoteID{EventHeader: telemetry.Header(t0.Add(4*time.Second), 1),
		UASID: "1596F1234567890", Key: "1596F1234567890", IDType: "serial", UAType: "helicopter_or_multirotor",
		Status: "airborne", HasPosition: true, Lat: 47.4, Lon: 8.5, AltM: 512.5, HasAlt: true, HeightM: 80,
		HeightRef: "takeoff", GroundspeedMS: 12.5, ClimbMS: -1.5, CourseDeg: 90.5, OperatorLat: 47.399,
		OperatorLon: 8.499, HasOperator: true, OperatorID: "FIN87astrdge12k8", SelfID: "survey",
		ReceiverCompID: 236, Message: "operator_id"}
	if got != want {
		t.Errorf("track =\n%+v\nwant\n%+v", got, want)
	}
	// A repeated static message changes nothing and is no event; a location always is.
	n := len(evs)
	s.Update(ridMessages(ridMac(1))[0], 236, t0.Add(5*time.Second), emit)
	if len(evs) != n {
		t.Errorf("an unchanged BASIC_ID emitted an event")
	}
	s.Update(ridMessages(ridMac(1))[1], 236, t0.Add(6*time.Second), emit)
	if len(evs) != n+1 {
		t.Errorf("a location emitted no event")
	}
	// A second transmitter is a second track; before its BASIC_ID it is keyed by its MAC.
	s.Update(&common.MessageOpenDroneIdLocation{IdOrMac: ridMac(2), Latitude: 1, Longitude: 1}, 236, t0, emit)
	if k := evs[len(evs)-1].Key; k != "mac:0200000000020000000000000000000000000000" {
		t.Errorf("key before BASIC_ID = %q", k)
	}
}

func TestVehicleState_Update_RemoteIDUnknownValues(t *testing.T) {
	s := NewVehicleState(1)
	var got telemetry.RemoteID
	s.Update(&common.MessageOpenDroneIdLocation{IdOrMac: ridMac(1), Direction: 36100, SpeedHorizontal: 25500,
		SpeedVertical: 6300, AltitudeGeodetic: float32(math.NaN()), AltitudeBarometric: -1000,
		Height: float32(math.Inf(1)), Latitude: 0, Longitude: 0}, 236, time.Unix(1, 0),
		func(e telemetry.Event) { got = e.(telemetry.RemoteID) })
	if got.HasPosition || got.HasAlt || got.CourseDeg != -1 || got.GroundspeedMS != 0 || got.ClimbMS != 0 || got.HeightM != 0 {
		t.Errorf("unknown values decoded as known: %+v", got)
	}
	if s.Link.NonFinite != 2 {
		t.Errorf("NonFinite = %d, want 2 (NaN altitude, infinite height)", s.Link.NonFinite)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("event cannot be encoded: %v", err)
	}
}

func TestVehicleState_Update_RemoteIDTracksBounded(t *testing.T) {
	s := NewVehicleState(1)
	t0 := time.Unix(1_800_000_000, 0)
	for i := 0; i < maxRemoteIDTracks+50; i++ {
		mac := [20]byte{byte(i), byte(i >> 8), 1}
		s.Update(&common.MessageOpenDroneIdBasicId{IdOrMac: mac}, 236, t0.Add(time.Duration(i)*time.Millisecond), nil)
	}
	if n := len(s.rid.byMac); n != maxRemoteIDTracks {
		t.Errorf("tracks = %d, want the bound %d", n, maxRemoteIDTracks)
	}
	if _, ok := s.rid.byMac[[20]byte{0, 0, 1}]; ok {
		t.Error("the transmitter unheard the longest was kept")
	}
}

// FuzzVehicleState_RemoteID decodes arbitrary frames through the real parse
// and decode path and checks what every Remote ID event may hold: finite
// numbers, positions on the globe, bounded printable ids and texts, a key.
func FuzzVehicleState_RemoteID(f *testing.F) {
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 236}
	for _, m := range append(ridMessages(ridMac(1)), &common.MessageOpenDroneIdLocation{Latitude: math.MaxInt32,
		Longitude: math.MinInt32, AltitudeGeodetic: float32(math.Inf(-1)), Direction: 65535}) {
		b, err := e.Encode(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	printable := func(v string, n int) bool {
		if len(v) > n {
			return false
		}
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] >= 0x7F {
				return false
			}
		}
		return true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewVehicleState(1)
		sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
		sc.Datagram(data, func(fr mavwire.Frame) {
			msg, err := fr.Decode(dialect.ReadWriter)
			if err != nil || msg == nil {
				return
			}
			s.Update(msg, fr.ComponentID, time.Unix(1, 0), func(ev telemetry.Event) {
				r, ok := ev.(telemetry.RemoteID)
				if !ok {
					return
				}
				for _, v := range []float64{r.Lat, r.Lon, r.AltM, r.HeightM, r.GroundspeedMS, r.ClimbMS, r.CourseDeg, r.OperatorLat, r.OperatorLon} {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("non-finite value in %+v", r)
					}
				}
				if r.HasPosition && (math.Abs(r.Lat) > 90 || math.Abs(r.Lon) > 180) || !r.HasPosition && (r.Lat != 0 || r.Lon != 0) {
					t.Fatalf("position off the globe or without HasPosition: %+v", r)
				}
				if r.CourseDeg != -1 && (r.CourseDeg < 0 || r.CourseDeg >= 360) || r.GroundspeedMS < 0 || r.GroundspeedMS > 254.25 {
					t.Fatalf("course or speed out of range: %+v", r)
				}
				if !printable(r.UASID, 20) || !printable(r.SelfID, 23) || !printable(r.OperatorID, 20) || r.Key == "" {
					t.Fatalf("id or text unbounded or not printable: %+v", r)
				}
				if _, err := json.Marshal(r); err != nil {
					t.Fatalf("event cannot be encoded: %v", err)
				}
			})
		})
		if s.rid != nil && len(s.rid.byMac) > maxRemoteIDTracks {
			t.Fatalf("%d tracks beyond the bound", len(s.rid.byMac))
		}
	})
}
