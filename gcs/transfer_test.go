package gcs

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
	"github.com/borderwatch/borderwatch/missions"
)

func testMission(n int) []missions.Item {
	items := []missions.Item{missions.Takeoff(31.35, -110.95, 30)}
	for i := 1; i < n-1; i++ {
		items = append(items, missions.Item{Command: 16, Frame: 6, Autocontinue: true,
			Params: [7]float64{0, 0, 0, math.NaN(), 31.35 + float64(i)*1e-4, -110.95 + float64(i%7)*1e-4, 50 + float64(i%3)}})
	}
	if n > 1 {
		items = append(items, missions.ReturnToLaunch())
	}
	return items
}

// uploadThenVerify runs an upload and a read-back in the harness and compares them.
func uploadThenVerify(h *harness, fl Flavour, t common.MAV_MISSION_TYPE, items []missions.Item, limit time.Duration) (time.Duration, error) {
	tm := defaultTiming(0)
	up := newUpload(h.gcsSend, 1, 1, t, toWire(fl, t, items, nil), fl, tm, nil)
	took := h.run(up, limit)
	if err := up.result(); err != nil {
		return took, err
	}
	down := newDownload(h.gcsSend, 1, 1, t, up.tm, nil).forFlavour(fl)
	took += h.run(down, limit)
	if err := down.result(); err != nil {
		return took, fmt.Errorf("read-back: %w", err)
	}
	if c := checkList(kindOf(fl, ""), fl, t, toWire(fl, t, items, nil), down.items); !c.same() {
		return took, fmt.Errorf("%w: the vehicle holds %s", ErrVerify, c)
	}
	return took, nil
}

// diffPlanItems compares two lists of plan items (a plan's and a download's)
// by what the autopilot stores; "" when they agree.
func diffPlanItems(fl Flavour, t common.MAV_MISSION_TYPE, sent, got []missions.Item) string {
	c := checkList(kindOf(fl, ""), fl, t, toWire(fl, t, sent, nil), toWire(fl, t, got, nil))
	if c.same() {
		return ""
	}
	return c.String()
}

func TestUploadSession_Run_LossDuplicatesReorderVerifyEveryTime(t *testing.T) {
	for _, fl := range []Flavour{FlavourArduPilot, FlavourPX4} {
		for seed := int64(1); seed <= 20; seed++ {
			veh := newFakeAutopilot(fl)
			h := newHarness(t, seed, veh)
			h.loss, h.dup, h.jitter = 0.3, 0.1, 40*time.Millisecond
			if _, err := uploadThenVerify(h, fl, common.MAV_MISSION_TYPE_MISSION, testMission(100), 10*time.Minute); err != nil {
				t.Fatalf("%s seed %d: 100 items at 30 %% loss: %v", fl, seed, err)
			}
		}
	}
}

func TestUploadSession_Run_FenceAndRallyAtLoss(t *testing.T) {
	plan := &missions.Plan{
		Fence: missions.Fence{Polygons: []missions.FencePolygon{{Inclusion: true, Vertices: []orb.Point{{-110.96, 31.34}, {-110.94, 31.34}, {-110.94, 31.36}, {-110.96, 31.36}}},
			{Inclusion: false, Vertices: []orb.Point{{-110.951, 31.351}, {-110.949, 31.351}, {-110.95, 31.352}}}},
			Circles: []missions.FenceCircle{{Inclusion: true, Center: orb.Point{-110.95, 31.35}, RadiusM: 900}, {Inclusion: false, Center: orb.Point{-110.955, 31.345}, RadiusM: 50}},
			Return:  &missions.Position{Lat: 31.35, Lon: -110.95, AltM: 40}},
		Rally: []missions.Position{{Lat: 31.351, Lon: -110.951, AltM: 30}, {Lat: 31.349, Lon: -110.949, AltM: 35}},
	}
	for _, fl := range []Flavour{FlavourArduPilot, FlavourPX4} {
		for _, mt := range []missions.MissionType{missions.TypeFence, missions.TypeRally} {
			h := newHarness(t, 7, newFakeAutopilot(fl))
			h.loss, h.dup, h.jitter = 0.3, 0.1, 40*time.Millisecond
			if _, err := uploadThenVerify(h, fl, common.MAV_MISSION_TYPE(mt), plan.Items(mt), 5*time.Minute); err != nil {
				t.Fatalf("%s %s: %v", fl, mt, err)
			}
		}
	}
}

func TestUploadSession_Run_SixtyPercentLossVerifiesOrFailsClearly(t *testing.T) {
	verified := 0
	defer func() { t.Logf("%d of 10 uploads at 60 %% loss verified", verified) }()
	for seed := int64(1); seed <= 10; seed++ {
		h := newHarness(t, seed, newFakeAutopilot(FlavourArduPilot))
		h.loss, h.dup, h.jitter = 0.6, 0.1, 40*time.Millisecond
		_, err := uploadThenVerify(h, FlavourArduPilot, 0, testMission(50), 30*time.Minute)
		if err != nil && !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrPartialUpload) {
			t.Fatalf("seed %d: a failure must be a clear timeout or mixed-mission error, got %v", seed, err)
		}
		if err != nil && !strings.Contains(err.Error(), "item") && !strings.Contains(err.Error(), "MISSION_COUNT") {
			t.Fatalf("seed %d: error does not say where it stopped: %v", seed, err)
		}
		if err == nil {
			verified++
		}
	}
}

func TestUploadSession_Handle_DuplicateAndOutOfOrderRequests(t *testing.T) {
	var sent []*common.MessageMissionItemInt
	send := func(m message.Message) {
		if it, ok := m.(*common.MessageMissionItemInt); ok {
			sent = append(sent, it)
		}
	}
	now := time.Unix(0, 0)
	items := toWire(FlavourPX4, 0, testMission(4), nil)
	u := newUpload(send, 1, 1, 0, items, FlavourPX4, defaultTiming(0), nil)
	u.start(now)
	for _, seq := range []uint16{0, 0, 2, 1, 2, 3} {
		now = now.Add(10 * time.Millisecond)
		u.handle(&common.MessageMissionRequestInt{Seq: seq}, now)
	}
	var seqs []uint16
	for _, it := range sent {
		seqs = append(seqs, it.Seq)
	}
	if fmt.Sprint(seqs) != "[0 0 2 1 2 3]" {
		t.Fatalf("items sent %v, want each requested one", seqs)
	}
	u.handle(&common.MessageMissionRequestInt{Seq: 9}, now) // never announced: ignored
	if len(sent) != 6 || u.finished() {
		t.Fatalf("a request beyond the count changed the session")
	}
	u.handle(&common.MessageMissionAck{Type: common.MAV_MISSION_ACCEPTED}, now)
	if !u.finished() || u.result() != nil {
		t.Fatalf("finished %v err %v", u.finished(), u.result())
	}
}

func TestUploadSession_Handle_StaleAcceptIgnored(t *testing.T) {
	u := newUpload(func(message.Message) {}, 1, 1, 0, toWire(FlavourPX4, 0, testMission(3), nil), FlavourPX4, defaultTiming(0), nil)
	now := time.Unix(0, 0)
	u.start(now)
	u.handle(&common.MessageMissionAck{Type: common.MAV_MISSION_ACCEPTED}, now)
	if u.finished() {
		t.Fatal("an ACCEPTED before any request ended the upload")
	}
	u.handle(&common.MessageMissionAck{Type: common.MAV_MISSION_INVALID_SEQUENCE}, now)
	if u.finished() {
		t.Fatal("INVALID_SEQUENCE ended the upload; ArduPilot keeps going after it")
	}
	u.handle(&common.MessageMissionAck{Type: common.MAV_MISSION_ACCEPTED, MissionType: common.MAV_MISSION_TYPE_FENCE}, now)
	if u.finished() {
		t.Fatal("an ACK for another mission type ended the upload")
	}
}

func TestUploadSession_Run_ErrorAckMidTransfer(t *testing.T) {
	for _, fl := range []Flavour{FlavourArduPilot, FlavourPX4} {
		veh := newFakeAutopilot(fl)
		veh.failAt = 5
		h := newHarness(t, 1, veh)
		up := newUpload(h.gcsSend, 1, 1, 0, toWire(fl, 0, testMission(10), nil), fl, defaultTiming(0), nil)
		h.run(up, time.Minute)
		err := up.result()
		if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "no_space") {
			t.Fatalf("%s: want a refusal naming no_space, got %v", fl, err)
		}
		if mixed := errors.Is(err, ErrPartialUpload); mixed != (fl == FlavourArduPilot) {
			t.Fatalf("%s: mixed-mission warning %v; want it exactly for ArduPilot: %v", fl, mixed, err)
		}
	}
}

func TestUploadSession_Run_SilentVehicleTimesOut(t *testing.T) {
	veh := newFakeAutopilot(FlavourPX4)
	veh.silent = true
	h := newHarness(t, 1, veh)
	up := newUpload(h.gcsSend, 1, 1, 0, toWire(FlavourPX4, 0, testMission(10), nil), FlavourPX4, defaultTiming(0), nil)
	took := h.run(up, time.Minute)
	if err := up.result(); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "did not ask for any item") {
		t.Fatalf("want a timeout saying the vehicle never asked, got %v", err)
	}
	if took < 15*time.Second || took > 17*time.Second {
		t.Fatalf("gave up after %s of silence, want the 15 s stall deadline", took)
	}
	counts := 0
	for _, m := range h.toVehicle {
		if _, ok := m.(*common.MessageMissionCount); ok {
			counts++
		}
	}
	if counts < 5 {
		t.Fatalf("MISSION_COUNT sent %d times in 15 s; want retries", counts)
	}
}

func TestUploadSession_Run_VehicleStopsMidTransfer(t *testing.T) {
	veh := newFakeAutopilot(FlavourArduPilot)
	h := newHarness(t, 1, veh)
	up := newUpload(h.gcsSend, 1, 1, 0, toWire(FlavourArduPilot, 0, testMission(20), nil), FlavourArduPilot, defaultTiming(0), nil)
	up.start(h.now)
	// Let a few items through, then the vehicle goes silent.
	for i := 0; i < 6 && len(h.queue) > 0; i++ {
		ev := h.queue[0]
		h.queue = h.queue[1:]
		h.now = ev.at
		if ev.toVehicle {
			veh.handle(h, ev.msg)
		} else {
			up.handle(ev.msg, h.now)
		}
	}
	veh.silent = true
	h.run(up, time.Minute)
	err := up.result()
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrPartialUpload) || !strings.Contains(err.Error(), "of 20") {
		t.Fatalf("want a timeout reported as a mixed mission with the item count, got %v", err)
	}
}

func TestUploadSession_Run_LostFinalAckStillCompletes(t *testing.T) {
	for _, fl := range []Flavour{FlavourArduPilot, FlavourPX4} {
		veh := newFakeAutopilot(fl)
		h := newHarness(t, 1, veh)
		items := toWire(fl, 0, testMission(5), nil)
		up := newUpload(func(m message.Message) {
			h.gcsSend(m)
		}, 1, 1, 0, items, fl, defaultTiming(0), nil)
		dropped := false
		// Drop the first MISSION_ACK the vehicle sends.
		orig := h.veh
		h.veh = vehFunc{orig, func(h *harness) {
			for i, ev := range h.queue {
				if a, ok := ev.msg.(*common.MessageMissionAck); ok && !ev.toVehicle && !dropped && a.Type == common.MAV_MISSION_ACCEPTED {
					h.queue = append(h.queue[:i], h.queue[i+1:]...)
					dropped = true
					return
				}
			}
		}}
		h.run(up, time.Minute)
		if !dropped {
			t.Fatalf("%s: test did not drop the ACK", fl)
		}
		if err := up.result(); err != nil {
			t.Fatalf("%s: a lost final ACK must not fail the upload (the read-back decides): %v", fl, err)
		}
	}
}

// vehFunc wraps a vehicle and runs after after each message it handles.
type vehFunc struct {
	harnessVehicle
	after func(h *harness)
}

func (v vehFunc) handle(h *harness, m message.Message) {
	v.harnessVehicle.handle(h, m)
	v.after(h)
}

func TestDownloadSession_Run_LossyAndEmpty(t *testing.T) {
	veh := newFakeAutopilot(FlavourPX4)
	veh.lists[0] = toWire(FlavourPX4, 0, testMission(30), nil)
	h := newHarness(t, 3, veh)
	h.loss, h.dup, h.jitter = 0.3, 0.2, 60*time.Millisecond
	d := newDownload(h.gcsSend, 1, 1, 0, defaultTiming(0), nil)
	h.run(d, 5*time.Minute)
	if d.result() != nil || len(d.items) != 30 {
		t.Fatalf("download: %v, %d items", d.result(), len(d.items))
	}
	for i, it := range d.items {
		if int(it.Seq) != i {
			t.Fatalf("item %d has seq %d", i, it.Seq)
		}
	}
	// ArduPilot serves any item: several requests in flight, same list.
	ap := newFakeAutopilot(FlavourArduPilot)
	ap.lists[0] = toWire(FlavourArduPilot, 0, testMission(30), nil)
	ha := newHarness(t, 4, ap)
	ha.loss, ha.dup, ha.jitter = 0.3, 0.2, 60*time.Millisecond
	da := newDownload(ha.gcsSend, 1, 1, 0, defaultTiming(0), nil).forFlavour(FlavourArduPilot)
	ha.run(da, 5*time.Minute)
	if da.result() != nil || len(da.items) != 31 {
		t.Fatalf("windowed download: %v, %d items", da.result(), len(da.items))
	}
	for i, it := range da.items {
		if int(it.Seq) != i {
			t.Fatalf("windowed item %d has seq %d", i, it.Seq)
		}
	}
	h2 := newHarness(t, 3, newFakeAutopilot(FlavourPX4))
	d2 := newDownload(h2.gcsSend, 1, 1, common.MAV_MISSION_TYPE_RALLY, defaultTiming(0), nil)
	h2.run(d2, time.Minute)
	if d2.result() != nil || len(d2.items) != 0 {
		t.Fatalf("empty download: %v, %d items", d2.result(), len(d2.items))
	}
}

func TestClearSession_Run_LossyClears(t *testing.T) {
	veh := newFakeAutopilot(FlavourArduPilot)
	veh.lists[1] = toWire(FlavourArduPilot, 1, testMission(3), nil)
	h := newHarness(t, 5, veh)
	h.loss = 0.5
	c := newClear(h.gcsSend, 1, 1, 1, defaultTiming(0))
	h.run(c, time.Minute)
	if c.result() != nil || len(veh.lists[1]) != 0 {
		t.Fatalf("clear: %v, %d items left", c.result(), len(veh.lists[1]))
	}
}

func TestUploadSession_Run_ZeroLossNearProtocolBound(t *testing.T) {
	for _, n := range []int{100, 700} {
		veh := newFakeAutopilot(FlavourPX4)
		h := newHarness(t, 1, veh)
		rtt := 2 * h.latency
		up := newUpload(h.gcsSend, 1, 1, 0, toWire(FlavourPX4, 0, testMission(n), nil), FlavourPX4, defaultTiming(0), nil)
		took := h.run(up, time.Hour)
		bound := time.Duration(n+2) * rtt
		if up.result() != nil || took > bound*12/10 {
			t.Fatalf("%d items: %v in %s, protocol bound %s", n, up.result(), took, bound)
		}
	}
}

func TestUploadSession_Abort_CancelsOnVehicle(t *testing.T) {
	var last message.Message
	u := newUpload(func(m message.Message) { last = m }, 1, 1, 0, toWire(FlavourArduPilot, 0, testMission(3), nil), FlavourArduPilot, defaultTiming(0), nil)
	u.start(time.Unix(0, 0))
	u.abort(time.Unix(0, 0))
	a, ok := last.(*common.MessageMissionAck)
	if !ok || a.Type != common.MAV_MISSION_OPERATION_CANCELLED {
		t.Fatalf("abort sent %T, want MISSION_ACK OPERATION_CANCELLED", last)
	}
	if err := u.result(); !errors.Is(err, ErrCancelled) || !errors.Is(err, ErrPartialUpload) {
		t.Fatalf("a cancelled ArduPilot upload must say the vehicle may hold a mixed mission: %v", err)
	}
}

func TestCheckList_ByWhatTheAutopilotStores(t *testing.T) {
	land := missions.Land(31.35, -110.95)
	sent := []missions.Item{missions.Waypoint(31.35, -110.95, 50, 0), land, missions.ReturnToLaunch()}
	wire := toWire(FlavourArduPilot, 0, sent, nil)
	// What a real ArduCopter sends back: frame 3, LAND's param4 1, RTL frame 0.
	back := make([]*common.MessageMissionItemInt, len(wire))
	for i, w := range wire {
		cp := *w
		back[i] = &cp
	}
	back[1].Frame, back[2].Frame = 3, 3
	back[2].Param4 = 1
	back[3].Frame = 0
	if c := checkList(autopilot.ArduCopter, FlavourArduPilot, 0, wire, back); !c.same() {
		t.Fatalf("ArduCopter's own storage reported as a difference: %s", c)
	}
	back[2].Param4 = 0.5
	c := checkList(autopilot.ArduCopter, FlavourArduPilot, 0, wire, back)
	if c.same() || !c.partly() || !strings.Contains(c.String(), "param4") || !strings.Contains(c.String(), "item 2") {
		t.Fatalf("a changed LAND not reported: %s", c)
	}
	back[2].Param4 = 1
	back[1].X += 100
	if c := checkList(autopilot.ArduCopter, FlavourArduPilot, 0, wire, back); c.partly() || !strings.Contains(c.String(), "none of them") {
		t.Fatalf("a list with nothing of this plan reported as %q", c)
	}
	back[1].X -= 100
	if c := checkList(autopilot.ArduCopter, FlavourArduPilot, 0, wire, back[:3]); !c.partly() || !strings.Contains(c.String(), "nothing after") {
		t.Fatalf("a cut list reported as %q", c)
	}
	fence := toWire(FlavourPX4, 1, []missions.Item{{Command: missions.CmdFencePolygonInclude, Frame: 3, Params: [7]float64{3, 0, 0, 0, 31, -110, 0}}}, nil)
	fback := *fence[0]
	fback.Frame = 5
	if c := checkList(autopilot.PX4, FlavourPX4, 1, fence, []*common.MessageMissionItemInt{&fback}); !c.same() {
		t.Fatalf("PX4's fence in frame 5 reported as a difference: %s", c)
	}
}

func TestWire_DoJumpNumberingPerFlavour(t *testing.T) {
	items := []missions.Item{missions.Waypoint(31, -110, 10, 0), missions.DoJump(1, 2)}
	px4 := toWire(FlavourPX4, 0, items, nil)
	if px4[1].Param1 != 0 {
		t.Fatalf("PX4 DO_JUMP target %g, want 0 (no home)", px4[1].Param1)
	}
	ap := toWire(FlavourArduPilot, 0, items, nil)
	if len(ap) != 3 || ap[2].Param1 != 1 {
		t.Fatalf("ArduPilot list %d items, DO_JUMP target %g; want home + 2 and target 1", len(ap), ap[2].Param1)
	}
	back, _ := fromWire(FlavourPX4, 0, px4)
	if back[1].Params[0] != 1 {
		t.Fatalf("PX4 read-back DO_JUMP target %g, want 1", back[1].Params[0])
	}
}

func TestDownloadSession_Run_WindowBeatsOneAtATime(t *testing.T) {
	took := map[int]time.Duration{}
	for _, fl := range []Flavour{FlavourPX4, FlavourArduPilot} {
		veh := newFakeAutopilot(FlavourArduPilot)
		veh.lists[0] = toWire(FlavourArduPilot, 0, testMission(100), nil)
		h := newHarness(t, 1, veh)
		d := newDownload(h.gcsSend, 1, 1, 0, defaultTiming(0), nil).forFlavour(fl)
		took[d.window] = h.run(d, time.Hour)
		if d.result() != nil {
			t.Fatal(d.result())
		}
	}
	if took[downloadWindow]*4 > took[1] {
		t.Fatalf("window of %d took %s, one at a time %s", downloadWindow, took[downloadWindow], took[1])
	}
}

// An empty list the vehicle does not hold is read, not cleared: one
// exchange instead of a clear and a read-back. The legacy policy clears it.
func TestExchanger_UploadList_EmptyListNotHeldIsOnlyRead(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		h := newHarness(t, 1, newFakeAutopilot(FlavourArduPilot))
		x := harnessExchanger(h, FlavourArduPilot, legacy)
		c, err := x.uploadList(common.MAV_MISSION_TYPE_RALLY, nil, nil, false, nil)
		if err != nil || c == nil || !c.same() {
			t.Fatalf("legacy %v: %v %v", legacy, err, c)
		}
		clears := 0
		for _, m := range h.toVehicle {
			if _, ok := m.(*common.MessageMissionClearAll); ok {
				clears++
			}
		}
		if legacy != (clears == 1) || !legacy && clears != 0 {
			t.Fatalf("legacy %v: %d MISSION_CLEAR_ALL sent", legacy, clears)
		}
	}
	// A list the vehicle holds is cleared and then verified empty.
	veh := newFakeAutopilot(FlavourPX4)
	veh.lists[common.MAV_MISSION_TYPE_RALLY] = []*common.MessageMissionItemInt{{Command: common.MAV_CMD_NAV_RALLY_POINT, Frame: 6, X: 313500000, Y: -1109500000, Z: 30}}
	h := newHarness(t, 1, veh)
	x := harnessExchanger(h, FlavourPX4, false)
	if c, err := x.uploadList(common.MAV_MISSION_TYPE_RALLY, nil, nil, false, nil); err != nil || !c.same() || len(veh.lists[common.MAV_MISSION_TYPE_RALLY]) != 0 {
		t.Fatalf("held rally not cleared: %v %v", err, c)
	}
}

// Once the round trip is known, a lost opening message costs the item
// timeout, not mavlink.io's 1.5 s floor; while it is unknown, the floor holds.
func TestTiming_Retry_OpeningAdaptsOnceRTTKnown(t *testing.T) {
	tm := defaultTiming(0)
	if tm.retry(0) != 1500*time.Millisecond {
		t.Fatalf("unknown RTT: first wait %s, want the 1.5 s floor", tm.retry(0))
	}
	tm.sample(40 * time.Millisecond)
	if tm.retry(0) != 250*time.Millisecond {
		t.Fatalf("RTT 40 ms: first wait %s, want the item timeout 250 ms", tm.retry(0))
	}
	tm.fixedOpening = true
	if tm.retry(0) != 1500*time.Millisecond {
		t.Fatalf("legacy: first wait %s", tm.retry(0))
	}
	slow := defaultTiming(900 * time.Millisecond)
	if slow.retry(0) != 2700*time.Millisecond {
		t.Fatalf("RTT 900 ms: first wait %s, want 3×RTT", slow.retry(0))
	}
}
