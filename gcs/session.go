package gcs

import (
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// session is one run of a request/response protocol with one vehicle (a
// command, a parameter read, a mission transfer). It is a pure state machine:
// it never reads a clock or a socket. The driver (Fleet.runSession, or a test)
// hands it the vehicle's messages and the current time, calls timeout when its
// deadline has passed, and the session answers through the sender it was given.
// That is what lets the retry and timeout tests run with no sleeps.
type session interface {
	start(now time.Time)
	handle(m message.Message, now time.Time)
	timeout(now time.Time)
	// abort ends the session because the caller gave up (context cancelled).
	abort(now time.Time)
	deadline() time.Time
	finished() bool
	// result is nil on success once finished.
	result() error
}

// sender sends one message to the session's vehicle.
type sender func(message.Message)

// timing holds a session's timeouts. The floors are mavlink.io's recommended
// values for a fast link (QGC and MAVSDK use them); on a slower link the
// timeouts grow with the smoothed round-trip time measured on this vehicle
// (MAVSDK's fixed timeouts are too short for long-range radios, its #1441).
type timing struct {
	// GeneralFloor bounds waits for the first answer. mavlink.io: 1500 ms.
	GeneralFloor time.Duration
	// ItemFloor bounds waits between items. mavlink.io: 250 ms.
	ItemFloor time.Duration
	// Stall ends a transfer after this long without progress: retries are
	// bounded by time, not by a small count, so a lossy link that still
	// moves data is given the time it needs.
	Stall time.Duration
	// srtt is the smoothed round-trip time (0 until measured).
	srtt time.Duration
	// fixedOpening keeps GeneralFloor as the wait for the first answer of a
	// transfer even once the round trip is known (Fleet.LegacyTransfers).
	fixedOpening bool
}

func defaultTiming(rtt time.Duration) timing {
	return timing{GeneralFloor: 1500 * time.Millisecond, ItemFloor: 250 * time.Millisecond, Stall: 15 * time.Second, srtt: rtt}
}

// sample folds one measured round trip into the estimate (RFC 6298's 1/8 gain).
func (t *timing) sample(d time.Duration) {
	if d <= 0 {
		return
	}
	if t.srtt == 0 {
		t.srtt = d
		return
	}
	t.srtt += (d - t.srtt) / 8
}

func (t timing) general() time.Duration { return max(t.GeneralFloor, 6*t.srtt) }
func (t timing) item() time.Duration    { return max(t.ItemFloor, 3*t.srtt) }
func (t timing) stall() time.Duration   { return max(t.Stall, 20*t.item()) }

// retry is the wait before resending a request that opens an exchange
// (MISSION_COUNT, MISSION_REQUEST_LIST, MISSION_CLEAR_ALL). While the round
// trip is unknown it is the general timeout the first time (mavlink.io's
// 1500 ms floor); once it is measured, the autopilots answer an opening
// message as fast as an item request (ArduPilot MissionItemProtocol and PX4
// mavlink_mission.cpp both answer it in their next update), so it is the item
// timeout, which adapts to the round trip. Resends wait twice the item
// timeout, so that on a lossy link the attempts before the stall deadline
// are many, not six.
func (t timing) retry(resends int) time.Duration {
	switch {
	case resends > 0:
		return 2 * t.item()
	case t.srtt == 0 || t.fixedOpening:
		return t.general()
	}
	return t.item()
}
