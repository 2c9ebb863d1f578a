package gcs

import (
	"fmt"
	"math"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/missions"
)

// diffItems compares an upload with its read-back by meaning, not byte for
// byte, and describes the first difference ("" when they match). What a
// vehicle may change without changing the plan (observed on ArduCopter):
//   - the frame's _INT variant (6 comes back as 3, 5 as 0, 11 as 10), and the
//     frame of an item that has no position (RTL comes back in frame 0);
//   - current and autocontinue flags;
//   - on ArduPilot, params 5-7 of a command without a location: it stores
//     only what each command uses (DO_MOUNT_CONTROL's mode in param7 is lost);
//   - NaN parameters (ArduPilot stores none: NaN comes back 0), and
//     ArduPilot keeps some parameters as whole numbers, so a fractional
//     parameter matches its truncated or rounded value there.
//
// Positions are compared at the wire's precision (1e-7 degrees, float32 metres).
func diffItems(fl Flavour, sent, got []missions.Item) string {
	if len(sent) != len(got) {
		return fmt.Sprintf("%d items were sent", len(sent))
	}
	for i := range sent {
		if d := diffItem(fl, sent[i], got[i]); d != "" {
			return fmt.Sprintf("item %d: %s", i, d)
		}
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

func diffItem(fl Flavour, a, b missions.Item) string {
	if a.Command != b.Command {
		return fmt.Sprintf("sent %s, vehicle holds %s", missions.CommandName(a.Command), missions.CommandName(b.Command))
	}
	// Compare at wire precision: encode both the same way.
	wa, wb := itemToWire(a, 0, 0), itemToWire(b, 0, 0)
	positional := globalFrame(a.Frame) && (wa.X != 0 || wa.Y != 0)
	if positional {
		if baseFrame(a.Frame) != baseFrame(b.Frame) {
			return fmt.Sprintf("%s: sent frame %d, vehicle holds frame %d", missions.CommandName(a.Command), a.Frame, b.Frame)
		}
		// Re-encode the read-back in the sent frame's scale (both are global).
		if abs32(wa.X-wb.X) > 1 || abs32(wa.Y-wb.Y) > 1 {
			return fmt.Sprintf("%s: sent position %.7f, %.7f, vehicle holds %.7f, %.7f", missions.CommandName(a.Command),
				a.Params[4], a.Params[5], b.Params[4], b.Params[5])
		}
		if !closeParam(FlavourGeneric, float64(wa.Z), float64(wb.Z), 0.01) {
			return fmt.Sprintf("%s: sent altitude %g m, vehicle holds %g m", missions.CommandName(a.Command), a.Params[6], b.Params[6])
		}
	} else if !globalFrame(a.Frame) && !(fl == FlavourArduPilot && !locationCommands[common.MAV_CMD(a.Command)]) &&
		(wa.X != wb.X || wa.Y != wb.Y || !closeParam(fl, float64(wa.Z), float64(wb.Z), 0)) {
		return fmt.Sprintf("%s: sent params 5-7 %g, %g, %g, vehicle holds %g, %g, %g", missions.CommandName(a.Command),
			a.Params[4], a.Params[5], a.Params[6], b.Params[4], b.Params[5], b.Params[6])
	}
	pa := [4]float32{wa.Param1, wa.Param2, wa.Param3, wa.Param4}
	pb := [4]float32{wb.Param1, wb.Param2, wb.Param3, wb.Param4}
	for k := range pa {
		if !closeParam(fl, float64(pa[k]), float64(pb[k]), 0) {
			return fmt.Sprintf("%s: sent param%d %g, vehicle holds %g", missions.CommandName(a.Command), k+1, pa[k], pb[k])
		}
	}
	return ""
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// closeParam compares two parameters by meaning for the flavour: ArduPilot
// keeps many parameters as integers (truncated or rounded), so for it a
// fractional value matches its whole part.
func closeParam(fl Flavour, a, b, tol float64) bool {
	if math.IsNaN(a) {
		a = 0
	}
	if math.IsNaN(b) {
		b = 0
	}
	if math.Abs(a-b) <= tol+1e-6*math.Max(math.Abs(a), math.Abs(b)) {
		return true
	}
	return fl == FlavourArduPilot && (math.Trunc(a) == b || math.Round(a) == b)
}
