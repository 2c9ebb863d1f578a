package store

import "errors"

// Sentinel errors of the store. Wrapped errors say more; test with errors.Is.
var (
	// ErrCorruptRecord means a stored record could not be read back.
	ErrCorruptRecord = errors.New("store: corrupt record")
	// ErrNotFound means the sortie, plan version or stream asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed means the store was used after Close (or before Initialize).
	ErrClosed = errors.New("store: closed")
	// ErrInvalid means an argument was refused (an empty plan name, a bad time window …).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrExists means the thing to create is there already (a plan name, an acknowledgement, a user).
	ErrExists = errors.New("store: already exists")
	// ErrLimit means the store holds as many of a kind as it keeps (layers); delete one first.
	ErrLimit = errors.New("store: limit reached")
	// ErrNewerFormat means the file was written by a newer Borderwatch: upgrade, or use another --data file.
	ErrNewerFormat = errors.New("store: file written by a newer format")
	// ErrHeld means another process (a running server) holds the file open for writing.
	ErrHeld = errors.New("another process holds it open")
	// ErrNotTlog means an imported file is not a MAVLink telemetry log; nothing of it was kept.
	ErrNotTlog = errors.New("not a tlog (MAVLink telemetry log)")
)
