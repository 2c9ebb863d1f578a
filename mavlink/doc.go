// Package mavlink is the bottom layer of Borderwatch: what MAVLink is, with no
// links, fleets or storage. Its sub-packages are the dialect we speak
// (mavlink/dialect), the byte-level framing (mavlink/mavwire), what autopilots
// store of mission items (mavlink/autopilot) and the one decoder from messages
// to vehicle state and typed events (mavlink/decode). The gcs, telemetry and
// simulator packages all build on it; it imports none of them, except that
// mavlink/decode emits telemetry's event model (package telemetry, which
// imports nothing of ours). internal/layers checks this.
package mavlink
