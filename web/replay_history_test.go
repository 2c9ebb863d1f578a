package web

import (
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
)

// With history=D a reset snapshot holds the events of the D before the
// instant only (read as one range of the store, not every event of the
// window), and still nothing later than it.
func TestReplay_History_SnapshotHoldsOnlyTheRecentEvents(t *testing.T) {
	s := newStoreServer(t, recordedFlight(t))
	c := dialReplay(t, s, "history=2500ms&from="+replayT0.Format(time.RFC3339)+"&to="+replayT0.Add(2*time.Minute).Format(time.RFC3339))
	shown := map[uint8]gcs.VehicleState{}
	readUntil(t, c, shown, "the first snapshot", func(m replayIn) bool { return m.Type == "reset" })
	seek := func(ms int) map[string]bool {
		at := replayT0.Add(time.Duration(ms) * time.Millisecond)
		if err := c.WriteJSON(ReplayCommand{Cmd: "seek", Time: at}); err != nil {
			t.Fatal(err)
		}
		m := readUntil(t, c, shown, "the reset", func(m replayIn) bool { return m.Type == "reset" && m.Replay.Time.Equal(at) })
		types := map[string]bool{}
		for _, e := range m.Events {
			types[e.Type] = true
		}
		return types
	}
	// Detection at 30 s, alert at 31 s, operator action at 32 s.
	if got := seek(32000); !got["detection"] || !got["alert"] || !got["operator_action"] {
		t.Fatalf("at 32 s with 2.5 s of history: %v, want the detection, the alert and the action", got)
	}
	if got := seek(33000); got["detection"] || !got["alert"] || !got["operator_action"] {
		t.Fatalf("at 33 s with 2.5 s of history: %v, want the alert and the action, not the detection (3 s before)", got)
	}
	if got := seek(31500); got["operator_action"] || !got["alert"] {
		t.Fatalf("at 31.5 s: %v, want nothing later (the action at 32 s)", got)
	}
	if got := seek(40000); len(got) != 0 {
		t.Fatalf("at 40 s with 2.5 s of history: %v, want none", got)
	}
}
