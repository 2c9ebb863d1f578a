package decode

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// merged is what a live client holds after taking full, then motion:
// the full state's fields with the motion's laid over them.
func merged(t *testing.T, full, motion []byte) map[string]any {
	t.Helper()
	var a, b map[string]any
	if err := json.Unmarshal(full, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(motion, &b); err != nil {
		t.Fatal(err)
	}
	if b["motion"] != true || b["id"] != a["id"] {
		t.Fatalf("motion form without its marker or id: %s", motion)
	}
	delete(b, "motion")
	maps.Copy(a, b)
	return a
}

func asMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// fullState is a state with every field set, the optional ones included.
func fullState() VehicleState {
	s := NewVehicleState(3)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s.Update(&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 3, SystemStatus: common.MAV_STATE_ACTIVE}, 1, now, nil)
	s.Update(&common.MessageGlobalPositionInt{TimeBootMs: 1000, Lat: 314567891, Lon: -1109876543, Alt: 1300000, RelativeAlt: 120000, Vx: 1000, Hdg: 1234}, 1, now, nil)
	s.Network, s.LinkOK, s.LastHeard, s.Time = "east", true, now, now
	s.Home = &Home{Lat: 31.4, Lon: -110.9, AltM: 1180}
	s.StatusTexts = []StatusTextEntry{{Time: now, Severity: 6, Text: "Mission: 1 WP"}}
	s.FenceBreachType = "boundary"
	return s
}

// changed returns v changed to another value of its type.
func changed(t *testing.T, name string, v reflect.Value) reflect.Value {
	t.Helper()
	n := reflect.New(v.Type()).Elem()
	n.Set(v)
	switch v.Kind() {
	case reflect.String:
		n.SetString(v.String() + "x")
	case reflect.Bool:
		n.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		n.SetInt(v.Int() + 1)
	case reflect.Uint8, reflect.Uint32, reflect.Uint64:
		n.SetUint(v.Uint() + 1)
	case reflect.Float64:
		n.SetFloat(v.Float() + 1.5)
	case reflect.Pointer:
		n.Set(reflect.New(v.Type().Elem())) // a new, different Home
	case reflect.Slice:
		n.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			n.Set(reflect.ValueOf(tm.Add(time.Second)))
		} else {
			f := n.Field(1) // VehicleLinkStats: Frames
			f.SetUint(f.Uint() + 1)
		}
	default:
		t.Fatalf("field %s: no way to change a %s; teach this test", name, v.Kind())
	}
	return n
}

// Every field of a vehicle's state is either motion (in MotionJSON, and
// ignored by SameStatus) or status (compared by SameStatus): a field added
// to VehicleState that is in neither would let a client miss its change.
func TestVehicleState_MotionOrStatus_EveryFieldIsOneOfThem(t *testing.T) {
	base := fullState()
	mb, err := base.MotionJSON()
	if err != nil {
		t.Fatal(err)
	}
	motionKeys := asMap(t, mb)
	delete(motionKeys, "id") // it names the vehicle in both forms: SameStatus compares it
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		s := base
		rv := reflect.ValueOf(&s).Elem().Field(i)
		rv.Set(changed(t, f.Name, rv))
		_, motion := motionKeys[key]
		switch {
		case motion && !s.SameStatus(&base):
			t.Errorf("%s (%q) is in the motion form, but SameStatus compares it", f.Name, key)
		case !motion && s.SameStatus(&base):
			t.Errorf("%s (%q) is in neither the motion form nor SameStatus: a change of it would not reach a compact client", f.Name, key)
		case motion:
			full, _ := base.MarshalJSON()
			want, _ := s.MarshalJSON()
			got, err := s.MotionJSON()
			if err != nil {
				t.Fatal(err)
			}
			if m := merged(t, full, got); !reflect.DeepEqual(m, asMap(t, want)) {
				t.Errorf("%s: full state + motion ≠ the new full state:\n got %v\nwant %s", f.Name, m, want)
			}
		}
	}
}

// A vehicle's real stream through the decoder: whenever SameStatus says
// the motion form suffices, a client that merges it into the state it
// holds has exactly the new full state (the position null before the
// first fix and a number after it included).
func TestVehicleState_MotionJSON_MergedIntoThePreviousStateIsTheNewState(t *testing.T) {
	s := NewVehicleState(7)
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	msgs := []message.Message{
		&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, CustomMode: 5},
		&common.MessageAttitude{TimeBootMs: 900, Roll: 0.1, Pitch: -0.05},
		&common.MessageGlobalPositionInt{TimeBootMs: 1000, Hdg: 100}, // no fix yet: position stays null
		&common.MessageGlobalPositionInt{TimeBootMs: 1100, Lat: 314000000, Lon: -1109000000, Alt: 1300000, RelativeAlt: 100000, Vx: 500, Hdg: 200},
		&common.MessageSysStatus{BatteryRemaining: 80, VoltageBattery: 16100},
		&common.MessageGlobalPositionInt{TimeBootMs: 1200, Lat: 314000100, Lon: -1109000100, Alt: 1300500, RelativeAlt: 100500, Vx: 510, Vz: -20, Hdg: 210},
		&common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, BaseMode: common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | common.MAV_MODE_FLAG_SAFETY_ARMED, CustomMode: 3},
		&common.MessageGlobalPositionInt{TimeBootMs: 1300, Lat: 314000200, Lon: -1109000200, Alt: 1301000, RelativeAlt: 101000, Vx: 520, Hdg: 220},
		&common.MessageGpsRawInt{FixType: common.GPS_FIX_TYPE_3D_FIX, SatellitesVisible: 12},
		&common.MessageGpsRawInt{FixType: common.GPS_FIX_TYPE_3D_FIX, SatellitesVisible: 13},
		&common.MessageStatustext{Severity: common.MAV_SEVERITY_INFO, Text: "Reached waypoint #1"},
		&common.MessageGlobalPositionInt{TimeBootMs: 1400, Lat: 314000300, Lon: -1109000300, Alt: 1301500, RelativeAlt: 101500, Vx: 530, Hdg: 230},
		&common.MessageGlobalPositionInt{TimeBootMs: 100, Lat: 314000300, Lon: -1109000300, Alt: 1301500, RelativeAlt: 101500, Hdg: 230}, // rebooted
	}
	held, err := s.MarshalJSON() // what the client holds: the first full state
	if err != nil {
		t.Fatal(err)
	}
	compact, full := 0, 0
	for i, m := range msgs {
		prev := s
		now := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		s.Update(m, 1, now, nil)
		s.Link.Frames++
		s.LastHeard, s.Time = now, now
		want, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !s.SameStatus(&prev) {
			held, full = want, full+1
			continue
		}
		mj, err := s.MotionJSON()
		if err != nil {
			t.Fatal(err)
		}
		got := merged(t, held, mj)
		if !reflect.DeepEqual(got, asMap(t, want)) {
			t.Fatalf("message %d (%T): merged\n %v\nwant %s", i, m, got, want)
		}
		held, compact = mustJSON(t, got), compact+1
		if len(mj)*100 > 55*len(want) {
			t.Fatalf("the motion form (%d bytes) is not much smaller than the state (%d bytes)", len(mj), len(want))
		}
	}
	// Positions, attitude, battery and satellites went compact; the mode,
	// arming, fix type, text and reboot went whole.
	if compact < 6 || full < 4 {
		t.Fatalf("%d compact and %d full states", compact, full)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A non-finite number cannot be sent (it is not JSON): the motion form
// refuses it as the full state does, never writes a broken message.
func TestVehicleState_MotionJSON_NonFiniteIsAnError(t *testing.T) {
	s := fullState()
	s.RollDeg = math.NaN()
	if _, err := s.MotionJSON(); err == nil {
		t.Fatal("NaN encoded")
	}
	if _, err := s.MarshalJSON(); err == nil {
		t.Fatal("the full state encoded NaN: the two forms disagree")
	}
}
