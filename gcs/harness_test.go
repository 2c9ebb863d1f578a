package gcs

import (
	"io"
	"log/slog"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
)

// The harness runs a protocol session against a scripted vehicle in virtual
// time: a discrete-event loop with an injectable clock and sender, so loss,
// duplication, reordering and silence are tested deterministically, with no
// sleeps. The vehicle here is a fake on purpose: the simulator (a real part)
// cannot be stepped in virtual time; integration tests use the simulator.

type netEvent struct {
	at        time.Time
	order     int
	toVehicle bool
	msg       message.Message
}

type harness struct {
	t       testing.TB
	now     time.Time
	rng     *rand.Rand
	loss    float64       // each direction
	dup     float64       // probability a delivered message is delivered twice
	latency time.Duration // one way
	jitter  time.Duration // extra random delay (reorders messages)
	queue   []netEvent
	order   int
	veh     harnessVehicle
	// toVehicle records every message the session sent, in order.
	toVehicle []message.Message

	encGCS, encVeh mavwire.Encoder
}

// harnessVehicle is the scripted far end.
type harnessVehicle interface {
	handle(h *harness, m message.Message)
	// deadline of the vehicle's own timer (zero: none).
	deadline() time.Time
	timeout(h *harness)
}

func newHarness(t testing.TB, seed int64, veh harnessVehicle) *harness {
	return &harness{t: t, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rng: rand.New(rand.NewSource(seed)),
		latency: 25 * time.Millisecond, veh: veh,
		encGCS: mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 255, ComponentID: 190},
		encVeh: mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}}
}

// wire sends m through real MAVLink 2 encoding and decoding, so that the
// extension fields (mission_type) are exercised as on a link.
func (h *harness) wire(enc *mavwire.Encoder, m message.Message) message.Message {
	b, err := enc.Encode(nil, m)
	if err != nil {
		h.t.Fatalf("encode %T: %v", m, err)
	}
	f, _, _, err := mavwire.Parse(b, dialect.ReadWriter)
	if err != nil {
		h.t.Fatalf("parse %T: %v", m, err)
	}
	out, err := f.Decode(dialect.ReadWriter)
	if err != nil {
		h.t.Fatalf("decode %T: %v", m, err)
	}
	return out
}

func (h *harness) post(m message.Message, toVehicle bool) {
	if h.rng.Float64() < h.loss {
		return
	}
	copies := 1
	if h.rng.Float64() < h.dup {
		copies = 2
	}
	for range copies {
		d := h.latency
		if h.jitter > 0 {
			d += time.Duration(h.rng.Int63n(int64(h.jitter)))
		}
		h.order++
		h.queue = append(h.queue, netEvent{at: h.now.Add(d), order: h.order, toVehicle: toVehicle, msg: m})
	}
}

// gcsSend is the session's sender.
func (h *harness) gcsSend(m message.Message) {
	h.toVehicle = append(h.toVehicle, m)
	h.post(h.wire(&h.encGCS, m), true)
}

// vehSend is the vehicle's sender.
func (h *harness) vehSend(m message.Message) {
	h.post(h.wire(&h.encVeh, m), false)
}

// run drives s to its end; it fails the test if virtual time passes limit.
func (h *harness) run(s session, limit time.Duration) time.Duration {
	start := h.now
	s.start(h.now)
	for steps := 0; !s.finished(); steps++ {
		if steps > 2_000_000 || h.now.Sub(start) > limit {
			h.t.Fatalf("session did not finish within %s of virtual time (%d steps)", limit, steps)
		}
		next, kind := s.deadline(), 0
		if d := h.veh.deadline(); !d.IsZero() && d.Before(next) {
			next, kind = d, 1
		}
		if len(h.queue) > 0 {
			slices.SortFunc(h.queue, func(a, b netEvent) int {
				if c := a.at.Compare(b.at); c != 0 {
					return c
				}
				return a.order - b.order
			})
			if !h.queue[0].at.After(next) {
				next, kind = h.queue[0].at, 2
			}
		}
		if next.After(h.now) {
			h.now = next
		}
		switch kind {
		case 0:
			s.timeout(h.now)
		case 1:
			h.veh.timeout(h)
		case 2:
			ev := h.queue[0]
			h.queue = h.queue[1:]
			if ev.toVehicle {
				h.veh.handle(h, ev.msg)
			} else {
				s.handle(ev.msg, h.now)
			}
		}
	}
	return h.now.Sub(start)
}

// fakeAutopilot speaks the vehicle side of the mission, command and parameter
// protocols, like ArduPilot (home at seq 0, MISSION_REQUEST, 1 s re-request,
// 8 s cancel, INVALID_SEQUENCE for an unexpected item) or PX4.
type fakeAutopilot struct {
	flavour Flavour
	lists   map[common.MAV_MISSION_TYPE][]*common.MessageMissionItemInt
	home    *common.MessageMissionItemInt
	silent  bool
	// failAt makes the vehicle refuse item failAt of an upload with NO_SPACE (-1: never).
	failAt int

	receiving bool
	rtype     common.MAV_MISSION_TYPE
	count     int
	expect    int
	incoming  []*common.MessageMissionItemInt
	lastHeard time.Time
	nextReq   time.Time

	// commands: results in order of arrival (last one repeats); texts sent before a refusal.
	cmdResults []common.MAV_RESULT
	cmdTexts   []string
	cmdSeen    []*common.MessageCommandLong
	inProgress time.Time // when set, an ACCEPTED follows at this time

	params map[string]float32
	names  []string
	// readOnly parameters keep their value on PARAM_SET.
	readOnly map[string]bool
}

func newFakeAutopilot(f Flavour) *fakeAutopilot {
	v := &fakeAutopilot{flavour: f, lists: map[common.MAV_MISSION_TYPE][]*common.MessageMissionItemInt{}, failAt: -1}
	if f == FlavourArduPilot {
		v.home = &common.MessageMissionItemInt{Frame: common.MAV_FRAME_GLOBAL, Command: common.MAV_CMD_NAV_WAYPOINT, X: 313520000, Y: -1109500000, Z: 1200, Autocontinue: 1}
		v.lists[common.MAV_MISSION_TYPE_MISSION] = []*common.MessageMissionItemInt{v.home}
	}
	return v
}

func (v *fakeAutopilot) deadline() time.Time {
	if v.receiving && !v.silent {
		return v.nextReq
	}
	if !v.inProgress.IsZero() {
		return v.inProgress
	}
	return time.Time{}
}

func (v *fakeAutopilot) request(h *harness) {
	if v.flavour == FlavourArduPilot {
		h.vehSend(&common.MessageMissionRequest{TargetSystem: 255, TargetComponent: 190, Seq: uint16(v.expect), MissionType: v.rtype})
	} else {
		h.vehSend(&common.MessageMissionRequestInt{TargetSystem: 255, TargetComponent: 190, Seq: uint16(v.expect), MissionType: v.rtype})
	}
	// ArduPilot re-requests after about 1 s, PX4 after 250 ms.
	if v.flavour == FlavourArduPilot {
		v.nextReq = h.now.Add(time.Second)
	} else {
		v.nextReq = h.now.Add(250 * time.Millisecond)
	}
}

func (v *fakeAutopilot) ack(h *harness, t common.MAV_MISSION_TYPE, r common.MAV_MISSION_RESULT) {
	h.vehSend(&common.MessageMissionAck{TargetSystem: 255, TargetComponent: 190, Type: r, MissionType: t})
}

func (v *fakeAutopilot) timeout(h *harness) {
	if !v.inProgress.IsZero() && !h.now.Before(v.inProgress) {
		v.inProgress = time.Time{}
		h.vehSend(&common.MessageCommandAck{Command: v.cmdSeen[len(v.cmdSeen)-1].Command, Result: common.MAV_RESULT_ACCEPTED, TargetSystem: 255})
		return
	}
	if h.now.Sub(v.lastHeard) >= 8*time.Second {
		v.receiving = false
		v.ack(h, v.rtype, common.MAV_MISSION_OPERATION_CANCELLED)
		return
	}
	v.request(h)
}

// stored turns an uploaded item into what the vehicle reports back, by the
// same table the simulator stores through (mavlink/autopilot).
func (v *fakeAutopilot) stored(m *common.MessageMissionItemInt) *common.MessageMissionItemInt {
	cp := autopilot.Store(kindOf(v.flavour, ""), m.MissionType, *m).Item
	return &cp
}

func (v *fakeAutopilot) handle(h *harness, msg message.Message) {
	if v.silent {
		return
	}
	v.lastHeard = h.now
	switch m := msg.(type) {
	case *common.MessageMissionCount:
		if v.receiving && m.MissionType == v.rtype && int(m.Count) == v.count {
			v.request(h) // a repeated count: ask again for what we need
			return
		}
		v.receiving, v.rtype, v.count, v.expect = true, m.MissionType, int(m.Count), 0
		v.incoming = nil
		if v.flavour == FlavourArduPilot {
			// ArduPilot cuts its old list at MISSION_COUNT.
			old := v.lists[m.MissionType]
			v.lists[m.MissionType] = old[:min(len(old), int(m.Count))]
		}
		v.request(h)
	case *common.MessageMissionItemInt:
		if !v.receiving || m.MissionType != v.rtype {
			if v.flavour == FlavourPX4 && len(v.lists[m.MissionType]) == int(m.Seq)+1 {
				v.ack(h, m.MissionType, common.MAV_MISSION_ACCEPTED) // the ACK was lost: say it again
			} else {
				v.ack(h, m.MissionType, common.MAV_MISSION_ERROR)
			}
			return
		}
		if int(m.Seq) != v.expect {
			if v.flavour == FlavourArduPilot {
				v.ack(h, m.MissionType, common.MAV_MISSION_INVALID_SEQUENCE)
			}
			return
		}
		if int(m.Seq) == v.failAt {
			v.receiving = false
			v.ack(h, m.MissionType, common.MAV_MISSION_NO_SPACE)
			return
		}
		st := v.stored(m)
		if v.flavour == FlavourArduPilot && v.rtype == common.MAV_MISSION_TYPE_MISSION && m.Seq == 0 {
			st = v.home // home at seq 0 is ignored on upload
		}
		v.incoming = append(v.incoming, st)
		if v.flavour == FlavourArduPilot {
			l := v.lists[v.rtype]
			if int(m.Seq) < len(l) {
				l[m.Seq] = st
			} else {
				v.lists[v.rtype] = append(l, st)
			}
		}
		v.expect++
		if v.expect == v.count {
			v.receiving = false
			v.lists[v.rtype] = v.incoming
			v.ack(h, v.rtype, common.MAV_MISSION_ACCEPTED)
			return
		}
		v.request(h)
	case *common.MessageMissionRequestList:
		h.vehSend(&common.MessageMissionCount{TargetSystem: 255, TargetComponent: 190, Count: uint16(len(v.lists[m.MissionType])), MissionType: m.MissionType})
	case *common.MessageMissionRequestInt:
		l := v.lists[m.MissionType]
		if int(m.Seq) < len(l) {
			it := *l[m.Seq]
			it.Seq, it.MissionType, it.TargetSystem, it.TargetComponent = m.Seq, m.MissionType, 255, 190
			h.vehSend(&it)
		}
	case *common.MessageMissionClearAll:
		if v.flavour == FlavourArduPilot && m.MissionType == common.MAV_MISSION_TYPE_MISSION {
			v.lists[m.MissionType] = []*common.MessageMissionItemInt{v.home}
		} else {
			v.lists[m.MissionType] = nil
		}
		v.ack(h, m.MissionType, common.MAV_MISSION_ACCEPTED)
	case *common.MessageCommandLong:
		cp := *m
		v.cmdSeen = append(v.cmdSeen, &cp)
		r := common.MAV_RESULT_ACCEPTED
		if len(v.cmdResults) > 0 {
			r = v.cmdResults[0]
			if len(v.cmdResults) > 1 {
				v.cmdResults = v.cmdResults[1:]
			}
		}
		if r != common.MAV_RESULT_ACCEPTED {
			for _, t := range v.cmdTexts {
				h.vehSend(&common.MessageStatustext{Severity: common.MAV_SEVERITY_CRITICAL, Text: t})
			}
		}
		if r == common.MAV_RESULT_IN_PROGRESS {
			v.inProgress = h.now.Add(3 * time.Second)
		}
		h.vehSend(&common.MessageCommandAck{Command: m.Command, Result: r, TargetSystem: 255, TargetComponent: 190})
	case *common.MessageParamRequestList:
		for i := range v.names {
			v.sendParam(h, i)
		}
	case *common.MessageParamRequestRead:
		i := int(m.ParamIndex)
		if i < 0 {
			i = slices.Index(v.names, paramName(m.ParamId))
		}
		if i >= 0 && i < len(v.names) {
			v.sendParam(h, i)
		}
	case *common.MessageParamSet:
		i := slices.Index(v.names, paramName(m.ParamId))
		if i < 0 {
			return
		}
		if !v.readOnly[v.names[i]] {
			v.params[v.names[i]] = m.ParamValue
		}
		v.sendParam(h, i)
	}
}

func (v *fakeAutopilot) sendParam(h *harness, i int) {
	n := v.names[i]
	h.vehSend(&common.MessageParamValue{ParamId: n, ParamValue: v.params[n], ParamType: common.MAV_PARAM_TYPE_REAL32,
		ParamCount: uint16(len(v.names)), ParamIndex: uint16(i)})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
