package gcs

import "errors"

// Sentinel errors of the gcs package. Protocol failures wrap one of these, so
// callers can test with errors.Is and still show the wrapped message, which
// says what the vehicle did and what to do about it.
var (
	// ErrNoVehicle: no vehicle with that system id has been heard.
	ErrNoVehicle = errors.New("no such vehicle")
	// ErrClosed: the fleet was closed.
	ErrClosed = errors.New("fleet closed")
	// ErrBusy: another transfer of the same kind is running on that vehicle.
	ErrBusy = errors.New("vehicle busy with another transfer")
	// ErrTimeout: the vehicle stopped answering before the protocol finished.
	ErrTimeout = errors.New("vehicle did not answer")
	// ErrRejected: the vehicle answered with an error result.
	ErrRejected = errors.New("vehicle refused")
	// ErrCancelled: the caller cancelled (context) before the protocol finished.
	ErrCancelled = errors.New("cancelled")
	// ErrMixedMission: a read-back proved that the vehicle holds a mixed list,
	// part of the new one and part of something else (an ArduPilot upload
	// ended early after the vehicle cut its old list at MISSION_COUNT).
	ErrMixedMission = errors.New("vehicle holds a mixed list")
	// ErrPartialUpload: an ArduPilot upload ended after MISSION_COUNT, so the
	// vehicle may hold part of the new list; no read-back has said what.
	ErrPartialUpload = errors.New("vehicle may now hold part of the new list")
	// ErrVerify: the read-back after an upload differs from what was sent.
	ErrVerify = errors.New("read-back does not match the upload")
	// ErrBadInput: the caller's request cannot be sent as asked.
	ErrBadInput = errors.New("invalid request")
	// ErrUnsupported: the vehicle or its flavour does not support the request.
	ErrUnsupported = errors.New("unsupported by the vehicle")
	// ErrNotReady: the vehicle has not yet reported what the request needs
	// (its home or position, its mode table), or is in a state where the
	// autopilot would refuse or misread it; nothing was sent.
	ErrNotReady = errors.New("vehicle not ready for this request")
	// ErrNoParam: the vehicle has no parameter by that name.
	ErrNoParam = errors.New("no such parameter")
	// ErrSigning: a signing key could not be loaded, stored or provisioned.
	ErrSigning = errors.New("signing")
)
