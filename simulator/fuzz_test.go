package simulator

import (
	"math"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// FuzzScenario_Parse: a scenario file is outside input; it must be refused
// with an error, never panic, and what it accepts must build a fleet.
func FuzzScenario_Parse(f *testing.F) {
	for _, name := range BuiltinScenarios() {
		data, err := builtinScenarios.ReadFile("scenarios/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"vehicles":[{"home":{"lat":1,"lon":1}}],"targets":[{"id":1,"class":"boat","path":[{"lat":1,"lon":1}]}]}`))
	f.Add([]byte(`{"vehicles":[{"home":{"lat":1,"lon":1},"mission":[{"cmd":"jump","target":0}]}]}`))
	f.Add([]byte(`{"vehicles":[]}`))
	f.Add([]byte(`nonsense`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		if len(sc.Vehicles) > 20 {
			return // building hundreds of vehicles per input would only slow the fuzzer
		}
		// Built and stepped on this goroutine (no loop, no reader): the
		// fuzzer runs many inputs a second and any hang is the simulator's.
		fl := &Fleet{Scenario: sc, GCS: "udp://127.0.0.1:9", Stepped: true}
		if err := fl.build(); err != nil {
			return
		}
		defer fl.closeLinks()
		fl.advance(2 * time.Second)
	})
}

// FuzzFleet_Deliver feeds arbitrary datagrams from "the GCS" to one vehicle
// of each flavour: nothing may panic, whatever the state.
func FuzzFleet_Deliver(f *testing.F) {
	enc := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190}
	var seeds []message.Message
	for _, mt := range []common.MAV_MISSION_TYPE{0, 1, 2, 255} {
		seeds = append(seeds,
			&common.MessageMissionCount{TargetSystem: 1, Count: 3, MissionType: mt},
			&common.MessageMissionItemInt{TargetSystem: 2, Seq: 0, Command: common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, Param1: 3, MissionType: mt},
			&common.MessageMissionRequestList{TargetSystem: 3, MissionType: mt},
			&common.MessageMissionRequestInt{TargetSystem: 1, Seq: 9, MissionType: mt},
			&common.MessageMissionClearAll{TargetSystem: 0, MissionType: mt})
	}
	seeds = append(seeds,
		&common.MessageMissionItem{TargetSystem: 1, Seq: 1, Command: common.MAV_CMD_DO_JUMP, Param1: -5, Param2: 1e9},
		&common.MessageMissionSetCurrent{TargetSystem: 2, Seq: 65535},
		&common.MessageCommandLong{TargetSystem: 1, Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1, Param2: forceArmMagic},
		&common.MessageCommandInt{TargetSystem: 2, Command: common.MAV_CMD_DO_REPOSITION, X: 900000000, Y: -1900000000},
		&common.MessageCommandLong{TargetSystem: 3, Command: common.MAV_CMD_SET_MESSAGE_INTERVAL, Param1: 33, Param2: -1},
		&common.MessageParamSet{TargetSystem: 1, ParamId: "BATT_CAPACITY", ParamValue: -1},
		&common.MessageSetupSigning{TargetSystem: 3, SecretKey: [32]byte{1}},
		&common.MessageRequestDataStream{TargetSystem: 1, ReqStreamId: 0, ReqMessageRate: 65535, StartStop: 1},
		&common.MessageSetPositionTargetGlobalInt{TargetSystem: 1},
		&common.MessageHeartbeat{Type: common.MAV_TYPE_GCS})
	for _, m := range seeds {
		b, err := enc.Encode(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	defer sink.Close()
	sc := groundScenario("arducopter", "px4", "arduplane")
	sc.Vehicles[0].Start, sc.Vehicles[0].StartAltM = "flying", 30
	if err := sc.check(); err != nil {
		f.Fatal(err)
	}
	fl := &Fleet{Scenario: sc, GCS: "udp://" + sink.LocalAddr().String(), Stepped: true}
	if err := fl.Initialize(); err != nil {
		f.Fatal(err)
	}
	defer fl.Close()
	l := fl.links[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := fl.do(func() { fl.deliver(l, data) }); err != nil {
			t.Fatal(err)
		}
		if err := fl.Step(300 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	})
}

// handledIDs are the messages a vehicle acts on.
var handledIDs = []uint32{0, 11, 20, 21, 23, 39, 40, 41, 43, 44, 45, 47, 51, 66, 73, 76, 75, 86, 111, 256}

// FuzzVehicle_Handle decodes arbitrary payloads as each message a vehicle
// handles (so the checksum never stops the fuzzer at the door) and hands them
// to one vehicle of each flavour in several states.
func FuzzVehicle_Handle(f *testing.F) {
	enc := mavwire.Encoder{Dialect: dialectRW, SystemID: 255, ComponentID: 190}
	for _, m := range []message.Message{
		&common.MessageMissionCount{TargetSystem: 1, Count: 3, MissionType: 1},
		&common.MessageMissionItemInt{TargetSystem: 1, Command: common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, Param1: 3},
		&common.MessageCommandLong{TargetSystem: 1, Command: common.MAV_CMD_COMPONENT_ARM_DISARM, Param1: 1, Param2: forceArmMagic},
		&common.MessageCommandInt{TargetSystem: 1, Command: common.MAV_CMD_DO_REPOSITION, X: 313500000, Y: -1109500000, Z: 1300},
		&common.MessageParamSet{TargetSystem: 1, ParamId: "FENCE_ENABLE", ParamValue: 1},
	} {
		b, _ := enc.Encode(nil, m)
		fr, _, _, _ := mavwire.Parse(b, dialectRW)
		for i, id := range handledIDs {
			if id == fr.MessageID {
				f.Add(uint8(i), append([]byte(nil), fr.Payload...))
			}
		}
	}
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	defer sink.Close()
	sc := groundScenario("arducopter", "px4", "arduplane")
	sc.Vehicles[1].Start, sc.Vehicles[1].StartAltM = "flying", 30
	fl := &Fleet{Scenario: sc, GCS: "udp://" + sink.LocalAddr().String(), Stepped: true}
	if err := fl.build(); err != nil {
		f.Fatal(err)
	}
	defer fl.closeLinks()
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		id := handledIDs[int(which)%len(handledIDs)]
		msg, err := dialectRW.GetMessage(id).Read(&message.MessageRaw{ID: id, Payload: payload[:len(payload):len(payload)]}, true)
		if err != nil {
			return
		}
		fr := mavwire.Frame{SystemID: 255, ComponentID: 190, MessageID: id, V2: true, Known: true}
		for _, v := range fl.vehicles {
			v.handle(fl.now, fr, msg)
			fl.flush(v)
		}
		fl.advance(fl.now + 500*time.Millisecond)
		for _, v := range fl.vehicles {
			if math.IsNaN(v.lat) || math.IsNaN(v.lon) || math.IsNaN(v.alt) || math.IsInf(v.alt, 0) {
				t.Fatalf("vehicle %d state is not a number after message %d: %+v", v.id, id, msg)
			}
		}
	})
}
