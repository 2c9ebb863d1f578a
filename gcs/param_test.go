package gcs

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// truncatingVehicle is an ArduPilot parameter table of one INT8, stored as
// AP_Param::set_float does (add 0.01, constrain, truncate), answered at once
// with the stored value; readOnly keeps the old value.
type truncatingVehicle struct {
	val      float32
	readOnly bool
}

func (v *truncatingVehicle) deadline() time.Time { return time.Time{} }
func (v *truncatingVehicle) timeout(*harness)    {}
func (v *truncatingVehicle) handle(h *harness, m message.Message) {
	set, ok := m.(*common.MessageParamSet)
	if !ok {
		return
	}
	if !v.readOnly {
		x := math.Max(math.Min(float64(set.ParamValue), 127), -128)
		v.val = float32(math.Trunc(x + math.Copysign(0.01, x)))
	}
	h.vehSend(&common.MessageParamValue{ParamId: "FENCE_ACTION", ParamValue: v.val, ParamType: common.MAV_PARAM_TYPE_INT8,
		ParamCount: 1, ParamIndex: 65535})
}

func TestParamSession_Run_RoundedSetAnswersAtOnceWithVehicleValue(t *testing.T) {
	for _, c := range []struct {
		req, want float64
	}{{2.7, 2}, {300, 127}, {-3.5, -3}} {
		veh := &truncatingVehicle{val: 1}
		h := newHarness(t, 1, veh)
		s := newParamSet(h.gcsSend, 1, 1, FlavourArduPilot, "FENCE_ACTION", c.req, common.MAV_PARAM_TYPE_INT8, 1, defaultTiming(0))
		took := h.run(s, time.Minute)
		if err := s.result(); err != nil || s.last.Value != c.want {
			t.Fatalf("set %g: %v, vehicle value %+v; want %g without an error", c.req, err, s.last, c.want)
		}
		if took > time.Second {
			t.Fatalf("set %g took %s: the vehicle answered at once", c.req, took)
		}
	}
	// A vehicle that keeps its old value refused: said quickly, naming the value.
	veh := &truncatingVehicle{val: 1, readOnly: true}
	h := newHarness(t, 1, veh)
	s := newParamSet(h.gcsSend, 1, 1, FlavourArduPilot, "FENCE_ACTION", 2, common.MAV_PARAM_TYPE_INT8, 1, defaultTiming(0))
	took := h.run(s, time.Minute)
	if !errors.Is(s.result(), ErrRejected) || !strings.Contains(s.result().Error(), "keeps FENCE_ACTION = 1") || took > 3*time.Second {
		t.Fatalf("kept value: %v after %s", s.result(), took)
	}
}

func TestParamSession_Run_UnknownNameFailsAfterTheUsualRetries(t *testing.T) {
	veh := testParams(3) // silent about names it does not have, as both autopilots
	h := newHarness(t, 1, veh)
	s := newParamRead(h.gcsSend, 1, 1, FlavourArduPilot, "NO_SUCH_PARAM", defaultTiming(0))
	took := h.run(s, time.Minute)
	if !errors.Is(s.result(), ErrNoParam) || errors.Is(s.result(), ErrTimeout) {
		t.Fatalf("unknown name: %v; want ErrNoParam (a 404), not a timeout", s.result())
	}
	if took > 4*defaultTiming(0).general()+100*time.Millisecond {
		t.Fatalf("unknown name took %s: more than the usual 3 retries", took)
	}
}

func TestFleet_Params_UnknownNameHashCheckAndUnsolicited(t *testing.T) {
	t.Parallel()
	f := fastFleet(t, &telemetry.Hub{})
	startSim(t, f, simOpts{flavor: "px4"})
	ctx := ctxT(t, 60*time.Second)
	ps, err := f.ReadParams(ctx, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == paramHashCheck {
			t.Fatalf("PX4's _HASH_CHECK listed as a parameter")
		}
	}
	cached, _ := f.CachedParams(ctx, 1)
	for _, p := range cached {
		if p.Name == paramHashCheck {
			t.Fatalf("PX4's _HASH_CHECK cached as a parameter")
		}
	}
	// The whole list is known: an unknown name fails at once, saying why.
	_, err = f.ReadParam(ctx, 1, "gf_action")
	if !errors.Is(err, ErrNoParam) || !strings.Contains(err.Error(), "all downloaded") || !strings.Contains(err.Error(), "GF_ACTION?") {
		t.Fatalf("unknown name with the list known: %v", err)
	}
	if _, err := f.ReadParam(ctx, 1, paramHashCheck); !errors.Is(err, ErrBadInput) {
		t.Fatalf("reading _HASH_CHECK: %v", err)
	}
}

func TestFleet_Params_UnsolicitedValueUpdatesCache(t *testing.T) {
	hub := &telemetry.Hub{}
	f := newTestFleet(t, hub, nil, "udp://127.0.0.1:0")
	p := dialPeer(t, "udp", f.LinkAddrs()[0].String())
	p.send(1, 1, copterHB())
	p.send(1, 1, &common.MessageParamValue{ParamId: "RTL_ALT", ParamValue: 1500, ParamType: common.MAV_PARAM_TYPE_INT32, ParamCount: 2, ParamIndex: 0})
	// Changed in flight (another GCS, a script): ArduPilot announces it with index 65535.
	p.send(1, 1, &common.MessageParamValue{ParamId: "RTL_ALT", ParamValue: 3000, ParamType: common.MAV_PARAM_TYPE_INT32, ParamCount: 2, ParamIndex: 65535})
	testenv.Eventually(t, 5*time.Second, "the cache holds the new value", func() bool {
		ps, _ := f.CachedParams(context.Background(), 1)
		return len(ps) == 1 && ps[0].Value == 3000 && ps[0].Index == 0
	})
}

func TestFleet_CacheParam_BoundedAndCounted(t *testing.T) {
	f := &Fleet{}
	v := &vehicle{state: &VehicleState{}, params: map[string]Param{}}
	for i := range maxCachedParams + 10 {
		f.cacheParam(v, &common.MessageParamValue{ParamId: "P" + strings.Repeat("X", i%5) + itoa(i), ParamValue: 1, ParamType: common.MAV_PARAM_TYPE_REAL32, ParamCount: 20000, ParamIndex: uint16(i)})
	}
	if len(v.params) != maxCachedParams || v.state.Link.ParamsDropped != 10 {
		t.Fatalf("cache %d names, %d dropped; want %d and 10", len(v.params), v.state.Link.ParamsDropped, maxCachedParams)
	}
	// A name already cached is still updated when the cache is full.
	f.cacheParam(v, &common.MessageParamValue{ParamId: "P0", ParamValue: 5, ParamType: common.MAV_PARAM_TYPE_REAL32, ParamIndex: 65535})
	if v.params["P0"].Value != 5 {
		t.Fatalf("a known name was not updated in a full cache: %+v", v.params["P0"])
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
