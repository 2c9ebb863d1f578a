package missions

import (
	"strings"
	"testing"
)

// Standard commands were flagged "unknown command" while the table was kept
// by hand, so --strict failed on ordinary plans (issue 12). The names now come
// from the dialect's definitions.
func TestCommandName_StandardCommands_KnownAndNamed(t *testing.T) {
	cases := map[uint16]string{
		16:   "WAYPOINT",
		176:  "DO_SET_MODE",
		192:  "DO_REPOSITION",
		193:  "DO_PAUSE_CONTINUE",
		208:  "DO_PARACHUTE",
		211:  "DO_GRIPPER",
		214:  "DO_SET_CAM_TRIGG_INTERVAL",
		530:  "SET_CAMERA_MODE",
		531:  "SET_CAMERA_ZOOM",
		600:  "JUMP_TAG",
		5001: "FENCE_POLYGON_VERTEX_INCLUSION",
		5100: "RALLY_POINT",
	}
	for cmd, want := range cases {
		if !KnownCommand(cmd) {
			t.Errorf("command %d: not known", cmd)
		}
		if got := CommandName(cmd); got != want {
			t.Errorf("command %d: name %q, want %q", cmd, got, want)
		}
	}
	if KnownCommand(4242) || CommandName(4242) != "command 4242" {
		t.Errorf("4242 is no MAV_CMD: known %v, name %q", KnownCommand(4242), CommandName(4242))
	}
}

func TestValidate_StandardCommands_NoUnknownWarning(t *testing.T) {
	p := testPlan()
	for _, cmd := range []uint16{211, 530, 176, 192, 193, 208, 214, 531} {
		p.Mission = append(p.Mission, Item{Command: cmd, Frame: FrameMission, Autocontinue: true})
	}
	for _, pr := range Validate(p, Limits{}) {
		if strings.Contains(pr.Message, "unknown command") {
			t.Errorf("standard command flagged: %s", pr.Message)
		}
	}
}
