package dialect

import (
	"strconv"
	"strings"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
)

// CommandLabel is the MAV_CMD enum's name for cmd as the dialect defines it
// ("MAV_CMD_NAV_WAYPOINT", "MAV_CMD_DO_GRIPPER"), and whether the dialect
// defines it at all. The table is generated from the MAVLink XML (common and
// ardupilotmega) by gomavlib, so every standard command is known without a
// hand-kept list that falls behind the standard.
func CommandLabel(cmd uint16) (string, bool) {
	s := ardupilotmega.MAV_CMD(cmd).String()
	if _, err := strconv.Atoi(s); err == nil {
		return "", false // gomavlib prints the number for a value it has no label for
	}
	return s, true
}

// CommandShortName is CommandLabel without the MAV_CMD_ and NAV_ prefixes
// ("WAYPOINT", "DO_GRIPPER"), the form operators and QGroundControl use.
func CommandShortName(cmd uint16) (string, bool) {
	s, ok := CommandLabel(cmd)
	if !ok {
		return "", false
	}
	s = strings.TrimPrefix(s, "MAV_CMD_")
	return strings.TrimPrefix(s, "NAV_"), true
}
