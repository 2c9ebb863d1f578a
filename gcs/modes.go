package gcs

import (
	"fmt"
	"strings"
)

// modeNumbers finds the DO_SET_MODE parameters for a mode name: for ArduPilot
// param2 is the custom mode; for PX4 param2 is the main mode and param3 the
// sub mode (custom_mode = main<<16 | sub<<24).
func modeNumbers(f Flavour, vehicleType string, name string) (p2, p3 float64, err error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	table := ModeTable(f, vehicleType)
	if table == nil {
		return 0, 0, fmt.Errorf("%w: set mode %q: the vehicle's autopilot is neither ArduPilot nor PX4, so its mode numbers are unknown", ErrUnsupported, name)
	}
	for _, m := range table {
		if m.Name != name {
			continue
		}
		if !m.Settable {
			return 0, 0, fmt.Errorf("%w: mode %s is reported by %s but cannot be selected by a ground station (try one of %s)",
				ErrBadInput, name, vehicleDescription(f, vehicleType), strings.Join(modeList(f, vehicleType), ", "))
		}
		if f == FlavourPX4 {
			return float64((m.Number >> 16) & 0xFF), float64(m.Number >> 24), nil
		}
		return float64(m.Number), 0, nil
	}
	return 0, 0, fmt.Errorf("%w: no mode %q for %s (try one of %s)", ErrBadInput, name, vehicleDescription(f, vehicleType), strings.Join(modeList(f, vehicleType), ", "))
}

// vehicleDescription reads well in a sentence: "an ArduPilot multirotor",
// "a PX4 fixed_wing".
func vehicleDescription(f Flavour, vehicleType string) string {
	name := map[Flavour]string{FlavourArduPilot: "ArduPilot", FlavourPX4: "PX4"}[f]
	if name == "" {
		name = "generic"
	}
	if vehicleType == "" {
		vehicleType = "vehicle"
	}
	article := "a"
	if strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		article = "an"
	}
	return article + " " + name + " " + vehicleType
}

// modeList names the settable modes, in the table's order.
func modeList(f Flavour, vehicleType string) []string {
	var out []string
	for _, m := range ModeTable(f, vehicleType) {
		if m.Settable {
			out = append(out, m.Name)
		}
	}
	return out
}
