// Package decode is the one decoder from MAVLink messages to vehicle state and
// typed events, shared by live telemetry (gcs.Fleet), replay
// (telemetry/replay), tlog import and export, and the recorder's sortie
// tracker. It holds the vehicle table (Table), the admission rule (a vehicle
// is made only by an autopilot's HEARTBEAT: Admits), the link-timeout rule
// (LinkTimeout), the state update (VehicleState.Update) and the flight-mode
// tables it names modes from. It does no I/O and keeps no clock: callers pass
// each frame's time and ask Table.Check at the time they choose, so live and
// replay differ only in their clock.
//
// It imports only the mavlink layer and telemetry's event model (package
// telemetry itself, which imports no other Borderwatch package).
package decode
