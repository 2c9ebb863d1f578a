package gcs

import (
	"fmt"
	"math"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
	"github.com/borderwatch/borderwatch/missions"
)

// Verification compares a read-back with what the vehicle's autopilot stores
// of the items sent, taken from mavlink/autopilot's table (the autopilots'
// own packing: ArduPilot keeps LAND's param4 as its sign, sends fence items
// back in frame 0 with altitude 0, PX4 keeps fence items in frame 5 …). The
// simulator stores through the same table, so what verifies against it
// verifies against the real autopilot.

// homeOffset is 1 for the list whose seq 0 is ArduPilot's home, else 0.
func homeOffset(f Flavour, t common.MAV_MISSION_TYPE) int {
	if homeAtSeq0(f, uint8(t)) {
		return 1
	}
	return 0
}

// kindOf is the table's autopilot for a vehicle: ArduPilot packs waypoints
// differently on planes.
func kindOf(fl Flavour, vehicleType string) autopilot.Kind {
	switch fl {
	case FlavourArduPilot:
		if vehicleType == "fixed_wing" {
			return autopilot.ArduPlane
		}
		return autopilot.ArduCopter
	case FlavourPX4:
		return autopilot.PX4
	}
	return autopilot.Generic
}

// listCheck is what a read-back says a vehicle's list holds, compared with
// the list of a plan.
type listCheck struct {
	list  missions.MissionType
	sent  int    // items in the plan's list (without ArduPilot's home)
	held  int    // items the vehicle holds (without home)
	match int    // leading items the vehicle holds as it stores the plan's
	diff  string // the first difference; "" when the lists agree
}

// same reports whether the vehicle holds exactly the plan's list.
func (c listCheck) same() bool { return c.diff == "" && c.held == c.sent }

// partly reports whether the vehicle's list begins with this plan's items
// but is not this plan's list. After an upload that an autopilot writing in
// place (ArduPilot's mission and rally points: it cuts its old list at
// MISSION_COUNT and stores items as they come) did not complete, that is
// proof of a mixed list; after a completed or atomic upload it is not.
func (c listCheck) partly() bool { return c.match > 0 && !c.same() }

// String says what the vehicle holds, for an operator.
func (c listCheck) String() string {
	switch {
	case c.same() && c.held == 0:
		return fmt.Sprintf("no %s items, as this plan", c.list)
	case c.same():
		return fmt.Sprintf("this plan's %s (%d items)", c.list, c.held)
	case c.held == 0:
		return fmt.Sprintf("no %s items (this plan has %d)", c.list, c.sent)
	case c.match == 0:
		return fmt.Sprintf("%d %s items, none of them this plan's (%s)", c.held, c.list, c.diff)
	case c.match == c.held:
		return fmt.Sprintf("%d %s items: the first %d of this plan's %d and nothing after them", c.held, c.list, c.match, c.sent)
	}
	return fmt.Sprintf("%d %s items: the first %d are this plan's, then others (%s)", c.held, c.list, c.match, c.diff)
}

// checkList compares a read-back (wire items, with ArduPilot's home) with
// the wire items sent.
func checkList(k autopilot.Kind, fl Flavour, t common.MAV_MISSION_TYPE, sent, got []*common.MessageMissionItemInt) listCheck {
	off := homeOffset(fl, t)
	c := listCheck{list: missions.MissionType(t), sent: max(len(sent)-off, 0), held: max(len(got)-off, 0)}
	for i := off; i < len(sent) && i < len(got); i++ {
		if d := diffWire(k, t, sent[i], got[i]); d != "" {
			c.diff = fmt.Sprintf("item %d %s", i-off+1, d)
			return c
		}
		c.match++
	}
	if c.held != c.sent {
		c.diff = fmt.Sprintf("the vehicle holds %d items, this plan has %d", c.held, c.sent)
	}
	return c
}

// diffWire describes how a read-back item differs from what the autopilot
// stores of the item sent ("" when they agree).
func diffWire(k autopilot.Kind, t common.MAV_MISSION_TYPE, sent, got *common.MessageMissionItemInt) string {
	name := missions.CommandName(uint16(sent.Command))
	r := autopilot.Store(k, t, *sent)
	if !r.Accepted() {
		return fmt.Sprintf("(%s): %s refuses it (%s), yet the vehicle holds %s", name, k, missionResultText(r.Refusal), missions.CommandName(uint16(got.Command)))
	}
	want := r.Item
	if got.Command != want.Command {
		return fmt.Sprintf("(%s): the vehicle holds %s there", name, missions.CommandName(uint16(got.Command)))
	}
	keeps := func(what string, held, stored, sent any) string {
		return fmt.Sprintf("(%s): the vehicle holds %s %v, but %s keeps %v of the %v sent", name, what, held, k, stored, sent)
	}
	if got.Frame != want.Frame && (k != autopilot.Generic || baseFrame(uint8(got.Frame)) != baseFrame(uint8(want.Frame))) {
		return keeps("frame", got.Frame, want.Frame, sent.Frame)
	}
	if abs32(got.X-want.X) > 1 || abs32(got.Y-want.Y) > 1 {
		return keeps("x, y", fmt.Sprintf("%d, %d", got.X, got.Y), fmt.Sprintf("%d, %d", want.X, want.Y), fmt.Sprintf("%d, %d", sent.X, sent.Y))
	}
	// Altitudes travel as float32 metres and ArduPilot keeps centimetres.
	if !closeParam(float64(got.Z), float64(want.Z), 0.011, false) {
		return keeps("param7 (z)", got.Z, want.Z, sent.Z)
	}
	lenient := !r.Exact || k == autopilot.Generic
	gp := [4]float32{got.Param1, got.Param2, got.Param3, got.Param4}
	wp := [4]float32{want.Param1, want.Param2, want.Param3, want.Param4}
	sp := [4]float32{sent.Param1, sent.Param2, sent.Param3, sent.Param4}
	for i := range gp {
		if r.Angles&(1<<i) != 0 && (gp[i] != gp[i]) == (wp[i] != wp[i]) &&
			(gp[i] != gp[i] || autopilot.SameAngle(float64(gp[i]), float64(wp[i]), 1e-3)) {
			continue // an angle, compared modulo 360°
		}
		if !closeParam(float64(gp[i]), float64(wp[i]), 0, lenient) {
			return keeps(fmt.Sprintf("param%d", i+1), gp[i], wp[i], sp[i])
		}
	}
	if t == common.MAV_MISSION_TYPE_MISSION && k != autopilot.Generic && got.Autocontinue != want.Autocontinue {
		return keeps("autocontinue", got.Autocontinue, want.Autocontinue, sent.Autocontinue)
	}
	return ""
}

func baseFrame(f uint8) uint8 {
	switch common.MAV_FRAME(f) {
	case common.MAV_FRAME_GLOBAL_INT:
		return uint8(common.MAV_FRAME_GLOBAL)
	case common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT:
		return uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT)
	case common.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT:
		return uint8(common.MAV_FRAME_GLOBAL_TERRAIN_ALT)
	}
	return f
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// closeParam compares two parameters: equal within tol and float32
// precision, NaN equal to NaN. lenient also accepts a whole-number storage
// of a fractional value (truncated or rounded) and NaN stored as 0, for
// commands whose packing the table does not know.
func closeParam(a, b, tol float64, lenient bool) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		if math.IsNaN(a) && math.IsNaN(b) {
			return true
		}
		if !lenient {
			return false
		}
		a, b = zeroNaN(a), zeroNaN(b)
	}
	if math.Abs(a-b) <= tol+1e-6*math.Max(math.Abs(a), math.Abs(b)) {
		return true
	}
	return lenient && (math.Trunc(b) == a || math.Round(b) == a)
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// refusedItem is the first item the vehicle's autopilot would refuse, as the
// table knows it, so that nothing is sent that would stop an upload half-way.
func refusedItem(k autopilot.Kind, t common.MAV_MISSION_TYPE, wire []*common.MessageMissionItemInt, offset int) error {
	if k == autopilot.Generic {
		return nil
	}
	for i := offset; i < len(wire); i++ {
		if r := autopilot.Store(k, t, *wire[i]); !r.Accepted() && r.Exact {
			return fmt.Errorf("%w: %s item %d (%s): %s refuses it (%s); change it in the plan and upload again",
				ErrBadInput, typeName(t), i-offset+1, missions.CommandName(uint16(wire[i].Command)), k,
				strings.ToLower(missionResultText(r.Refusal)))
		}
	}
	return nil
}
