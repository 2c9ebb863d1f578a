package gcs

import (
	"encoding/json"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

func fuzzSeeds(f *testing.F) {
	e := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	var all []byte
	for _, m := range []message.Message{
		copterHB(),
		&common.MessageStatustext{Severity: 2, Text: "PreArm: Need Position Estimate", Id: 3, ChunkSeq: 0},
		&common.MessageMissionRequestInt{TargetSystem: 255, Seq: 0},
		&common.MessageMissionCount{TargetSystem: 255, Count: 3, MissionType: 1},
		&common.MessageMissionItemInt{TargetSystem: 255, Seq: 0, Frame: 6, Command: 16, X: 313500000, Y: -1109500000, Z: 50},
		&common.MessageMissionAck{TargetSystem: 255, Type: common.MAV_MISSION_NO_SPACE},
		&common.MessageCommandAck{Command: 400, Result: common.MAV_RESULT_FAILED, TargetSystem: 255},
		&common.MessageParamValue{ParamId: "FENCE_ENABLE", ParamValue: 1, ParamCount: 2, ParamIndex: 0},
		&common.MessageTimesync{Tc1: 0, Ts1: 12345},
		&common.MessageBatteryStatus{BatteryRemaining: 10},
		&common.MessageFenceStatus{BreachStatus: 1},
		&borderwatch.MessageDetection{TrackId: 1, Confidence: 250},
		&common.MessageCameraTrackingGeoStatus{TrackingStatus: common.CAMERA_TRACKING_STATUS_FLAGS_ACTIVE},
		&common.MessageAttitude{TimeBootMs: 5, Roll: float32(math.NaN()), Pitch: float32(math.Inf(-1))},
		&borderwatch.MessageDetection{TrackId: 2, Alt: float32(math.NaN()), Range: float32(math.Inf(1))},
		&common.MessageGlobalPositionInt{TimeBootMs: 1},
	} {
		b, err := e.Encode(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		all = append(all, b...)
	}
	f.Add(all)
	f.Add(append([]byte("ArduCopter V4.8.0\r\n"), all[:len(all)-3]...))
	f.Add([]byte{0xFD, 0xFF, 0x01, 0, 0, 1, 1, 0, 0, 0}) // huge length, signed flag
	huge := []byte{0xFE, 0xFF}
	f.Add(append(huge, make([]byte, 300)...))
	bad := append([]byte(nil), all[:20]...)
	bad[len(bad)-1] ^= 0xFF
	f.Add(bad)
}

// FuzzFleet_Receive feeds arbitrary bytes to the fleet's whole receive path
// (scan, verify, decode, vehicles, state, events, hub) as a datagram and as
// a stream: it must never panic, and only heartbeats of autopilots make vehicles.
func FuzzFleet_Receive(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		hub := &telemetry.Hub{}
		sub := hub.Subscribe(telemetry.Filter{}, 1<<12)
		defer sub.Close()
		fl, l, out := bareFleet(hub)
		// One vehicle signed, so the signature checks run too.
		fl.keys[2] = &signedStreams{key: [32]byte{1}}
		sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
		from := netip.MustParseAddrPort("127.0.0.1:1")
		feed(fl, l, out, &sc, append([]byte(nil), data...), from)
		sst := mavwire.Scanner{Dialect: dialect.ReadWriter}
		half := len(data) / 2
		l.receive(t.Context(), &sst, append([]byte(nil), data[:half]...), from, true)
		l.receive(t.Context(), &sst, append([]byte(nil), data[half:]...), from, true)
		for len(out) > 0 {
			fl.handle(<-out)
		}
		for id, v := range fl.vehicles {
			if v.state.ID != id || v.state.SysID != id.SysID() || len(v.state.StatusTexts) > decode.StatusTextsKept {
				t.Fatalf("vehicle %d state %+v", id, v.state)
			}
			// One vehicle's bad values must never break the fleet's JSON.
			if _, err := json.Marshal(v.snapshot()); err != nil {
				t.Fatalf("vehicle %d state does not encode: %v", id, err)
			}
		}
		for _, m := range sub.Drain(nil) {
			switch m := m.(type) {
			case telemetry.Frame:
				if _, ok := fl.vehicles[m.Vehicle()]; !ok {
					t.Fatalf("frame of system %d recorded, but it is not a vehicle", m.SystemID)
				}
			case telemetry.Event:
				if _, err := json.Marshal(m); err != nil {
					t.Fatalf("event %T does not encode: %v", m, err)
				}
			}
		}
	})
}

// FuzzSessions_Handle gives every protocol session whatever messages the
// bytes decode to, interleaved with timeouts: no panic, and a finished
// session stays finished.
func FuzzSessions_Handle(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs []message.Message
		sc := mavwire.Scanner{Dialect: dialect.ReadWriter}
		sc.Datagram(append([]byte(nil), data...), func(fr mavwire.Frame) {
			if m, err := fr.Decode(dialect.ReadWriter); err == nil {
				msgs = append(msgs, m)
			}
		})
		nop := func(message.Message) {}
		tm := defaultTiming(0)
		items := toWire(FlavourArduPilot, 0, testMission(4), nil)
		sessions := []session{
			newUpload(nop, 1, 1, 0, items, FlavourArduPilot, tm, func(int, int) {}),
			newUpload(nop, 1, 1, 1, items, FlavourPX4, tm, nil),
			newDownload(nop, 1, 1, 0, tm, func(int, int) {}),
			newClear(nop, 1, 1, 2, tm),
			newSetCurrent(nop, 1, 1, 2, tm),
			newCommand(nop, 1, 1, armCommand(), tm),
			newParamList(nop, 1, 1, FlavourPX4, tm, nil),
			newParamRead(nop, 1, 1, FlavourArduPilot, "FENCE_ENABLE", tm),
			newParamSet(nop, 1, 1, FlavourPX4, "FENCE_ENABLE", 1, common.MAV_PARAM_TYPE_INT32, 0, tm),
		}
		now := time.Unix(1000, 0)
		for _, s := range sessions {
			s.start(now)
			for i, m := range msgs {
				wasDone := s.finished()
				s.handle(m, now)
				if i%3 == 2 {
					s.timeout(s.deadline())
				}
				if wasDone && !s.finished() {
					t.Fatalf("%T un-finished", s)
				}
			}
			s.abort(now)
			if !s.finished() {
				t.Fatalf("%T not finished after abort", s)
			}
		}
		// And the state decoder.
		st := NewVehicleState(1)
		for _, m := range msgs {
			st.Update(m, 100, now, func(telemetry.Event) {})
		}
	})
}
