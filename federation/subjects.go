package federation

import (
	"fmt"
	"regexp"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Stream names and subjects. A station's name is one NATS subject token.
const (
	// StatesStream holds the latest state of every vehicle of every station.
	StatesStream = "BW_STATES"
	// statesSubjects are the subjects of StatesStream.
	statesSubjects = "bw.*.state.*"
	// eventsStreamPrefix + station is a station's events stream.
	eventsStreamPrefix = "BW_EV_"
)

var stationName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// CheckName refuses a station or headquarters name that cannot be a NATS
// subject token or a stream name.
func CheckName(kind, name string) error {
	if !stationName.MatchString(name) {
		return fmt.Errorf("federation: %s name %q: use 1-32 letters, digits, '-' or '_' (it becomes part of NATS subjects and stream names)", kind, name)
	}
	return nil
}

func stateSubject(station string, vehicle telemetry.VehicleID) string {
	return fmt.Sprintf("bw.%s.state.%d", station, vehicle)
}

func eventsSubject(station string) string { return "bw." + station + ".events" }

func eventsStream(station string) string { return eventsStreamPrefix + station }

func rpcSubject(station string) string { return "bw." + station + ".rpc" }
