package gcs

import (
	"crypto/subtle"
	"time"

	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

// SigningStore persists MAVLink 2 signing keys per vehicle and the last
// outgoing signing timestamp, so that keys survive restarts and timestamps
// never go back (a vehicle rejects a timestamp it has seen). telemetry/store
// implements it on *store.Store. Keys never leave it except through SigningKeys.
type SigningStore interface {
	// SigningKeys is every vehicle's key, read once at start (the server
	// holds the store alone: keys change only through the fleet).
	SigningKeys() (map[telemetry.VehicleID][32]byte, error)
	SetSigningKey(vid telemetry.VehicleID, key [32]byte) error
	DeleteSigningKey(vid telemetry.VehicleID) error
	// SigningTimestamp is the last persisted outgoing signing timestamp
	// (10 µs units since 2015-01-01 UTC), 0 when none.
	SigningTimestamp() (uint64, error)
	SaveSigningTimestamp(ts uint64) error
}

// signingEpoch is the origin of MAVLink signing timestamps.
var signingEpoch = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

// signingUnitsPerSecond: timestamps count 10 µs units.
const signingUnitsPerSecond = 100000

// replayWindow is how old a timestamp may be on a stream not seen before
// (mavlink.io: one minute).
const replayWindow = 60 * signingUnitsPerSecond

// tsAhead is how far ahead of the timestamps in use the persisted high-water
// mark is kept: after a crash the GCS restarts from the mark, so it never
// reuses a timestamp, and it writes to the store once per tsAhead/2 only.
const tsAhead = 60 * signingUnitsPerSecond

func signingTimestamp(t time.Time) uint64 {
	d := t.Sub(signingEpoch)
	if d < 0 {
		return 0
	}
	return uint64(d / (10 * time.Microsecond))
}

// streamKey identifies a signed stream: mavlink.io keeps one timestamp per
// (system, component, link id); the system is the vehicle's.
type streamKey struct {
	compid, linkID uint8
}

// verdict of checking an incoming frame against the vehicle's key.
type verdict uint8

const (
	sigOK verdict = iota
	sigUnsigned
	sigBad
	sigReplay
)

// signedStreams holds one vehicle's key and the newest timestamp per stream.
type signedStreams struct {
	key     [32]byte
	streams map[streamKey]uint64
}

// check verifies a frame's signature and timestamp (mavlink.io's rules: the
// timestamp must be newer than the last on its stream, and a new stream's
// first timestamp may be at most one minute behind ours).
func (s *signedStreams) check(raw []byte, compid uint8, now uint64) verdict {
	f := mavwire.Frame{Raw: raw, V2: len(raw) > 2 && raw[0] == mavwire.MagicV2}
	if f.V2 {
		f.Incompat = raw[2]
	}
	linkID, ts, sig, ok := f.Signature()
	if !ok {
		return sigUnsigned
	}
	want := mavwire.ComputeSignature(s.key, raw[:len(raw)-6])
	if subtle.ConstantTimeCompare(want[:], sig[:]) != 1 {
		return sigBad
	}
	k := streamKey{compid, linkID}
	last, seen := s.streams[k]
	if seen && ts <= last || !seen && ts+replayWindow < now {
		return sigReplay
	}
	if s.streams == nil {
		s.streams = map[streamKey]uint64{}
	}
	s.streams[k] = ts
	return sigOK
}
