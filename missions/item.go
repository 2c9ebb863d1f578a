package missions

import "fmt"

// MissionType selects one of the three lists the MAVLink mission protocol
// transfers (MAV_MISSION_TYPE).
type MissionType uint8

// Mission types.
const (
	TypeMission MissionType = 0
	TypeFence   MissionType = 1
	TypeRally   MissionType = 2
)

func (t MissionType) String() string {
	switch t {
	case TypeMission:
		return "mission"
	case TypeFence:
		return "fence"
	case TypeRally:
		return "rally"
	}
	return fmt.Sprintf("mission type %d", uint8(t))
}

// Item is one mission-protocol item, as QGroundControl's plan files and
// MISSION_ITEM_INT carry it: a MAV_CMD in a MAV_FRAME with seven parameters.
// For global frames Params[4] and Params[5] are latitude and longitude in
// degrees and Params[6] is the altitude in metres; the gcs converts them to
// MISSION_ITEM_INT's degE7 on the wire. Fence (5000-5004) and rally (5100)
// items use the same encoding, so one type serves all three lists.
type Item struct {
	Command      uint16     `json:"command"`
	Frame        uint8      `json:"frame"`
	Params       [7]float64 `json:"params"`
	Autocontinue bool       `json:"autocontinue"`
}
