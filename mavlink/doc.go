// Package mavlink is the bottom layer of Borderwatch: what MAVLink is, with no
// links, fleets or storage. Its sub-packages are the dialect we speak
// (mavlink/dialect) and the byte-level framing (mavlink/mavwire). The gcs,
// telemetry and simulator packages all build on it, and it imports none of them.
package mavlink
