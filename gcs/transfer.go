package gcs

import (
	"fmt"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/missions"
)

// The mission protocol (mavlink.io/en/services/mission.html) is one engine for
// the three lists, keyed by mission_type: MISSION, FENCE and RALLY differ only
// in their items. Sessions here speak wire items (MISSION_ITEM_INT), including
// ArduPilot's home at seq 0; transfers.go adds and strips home per flavour.

// Progress reports a transfer's progress: done of total items.
type Progress func(done, total int)

func missionResultText(r common.MAV_MISSION_RESULT) string {
	s := r.String()
	return strings.ToLower(strings.TrimPrefix(s, "MAV_MISSION_"))
}

// typeName names a mission list the way the plan model does ("mission", "fence", "rally").
func typeName(t common.MAV_MISSION_TYPE) string { return missions.MissionType(t).String() }

// baseTransfer holds what every mission-protocol session shares.
type baseTransfer struct {
	send       sender
	sys, comp  uint8
	mtype      common.MAV_MISSION_TYPE
	tm         timing
	progress   Progress
	due        time.Time
	lastMoved  time.Time
	done       bool
	err        error
	retries    int // resends, for statistics and tests
	lastSentAt time.Time
}

func (b *baseTransfer) deadline() time.Time { return b.due }
func (b *baseTransfer) finished() bool      { return b.done }
func (b *baseTransfer) result() error       { return b.err }

func (b *baseTransfer) finish(err error) {
	b.done, b.err = true, err
}

func (b *baseTransfer) stalled(now time.Time) bool {
	return now.Sub(b.lastMoved) >= b.tm.stall()
}

func (b *baseTransfer) ack(now time.Time, r common.MAV_MISSION_RESULT) {
	b.send(&common.MessageMissionAck{TargetSystem: b.sys, TargetComponent: b.comp, Type: r, MissionType: b.mtype})
}

// uploadSession sends a list to the vehicle: MISSION_COUNT, then one item per
// MISSION_REQUEST(_INT), until MISSION_ACK.
type uploadSession struct {
	baseTransfer
	items   []*common.MessageMissionItemInt
	flavour Flavour

	requested    int  // items 0..requested-1 have been asked for at least once
	offset       int  // 1 when seq 0 is ArduPilot's home: messages count plan items
	lastSeq      int  // the item last sent, -1 before any
	waitingAck   bool // the last item has been sent at least once
	countRefused bool
	restarts     int
	resends      int // timeouts since the last request
	ackSince     time.Time
	// unacked: every item was asked for but no ACK came; only a read-back
	// can tell what the vehicle holds.
	unacked bool
}

func newUpload(send sender, sys, comp uint8, t common.MAV_MISSION_TYPE, items []*common.MessageMissionItemInt, f Flavour, tm timing, p Progress) *uploadSession {
	u := &uploadSession{baseTransfer: baseTransfer{send: send, sys: sys, comp: comp, mtype: t, tm: tm, progress: p}, items: items, flavour: f, lastSeq: -1}
	if homeAtSeq0(f, uint8(t)) {
		u.offset = 1
	}
	return u
}

func (u *uploadSession) sendCount(now time.Time) {
	u.send(&common.MessageMissionCount{TargetSystem: u.sys, TargetComponent: u.comp, Count: uint16(len(u.items)), MissionType: u.mtype})
	u.lastSentAt = now
	u.due = now.Add(u.tm.retry(u.retries))
}

func (u *uploadSession) start(now time.Time) {
	u.lastMoved = now
	u.sendCount(now)
}

func (u *uploadSession) sendItem(seq int, now time.Time) {
	m := *u.items[seq]
	m.TargetSystem, m.TargetComponent, m.MissionType, m.Seq = u.sys, u.comp, u.mtype, uint16(seq)
	m.Current = 0
	u.send(&m)
	u.lastSeq = seq
	u.lastSentAt = now
	u.due = now.Add(u.tm.item())
	if seq == len(u.items)-1 && !u.waitingAck {
		u.waitingAck, u.ackSince = true, now
	}
}

// mixed wraps a failure that may have left the vehicle with part of the list.
// ArduPilot cuts its old list at MISSION_COUNT and writes items as they come,
// so any failure after the count is a mixed list; PX4 writes a new list atomically.
func (u *uploadSession) mixed(err error) error {
	if u.flavour == FlavourPX4 || u.requested == 0 && u.flavour != FlavourArduPilot {
		return err
	}
	return &partialUpload{list: typeName(u.mtype), sent: max(u.requested-u.offset, 0), total: len(u.items) - u.offset, err: err}
}

// partialUpload is a failure after the vehicle may have started replacing
// its list. Until a read-back says what it holds, the message says "may".
type partialUpload struct {
	list        string
	sent, total int
	err         error
}

func (p *partialUpload) Error() string {
	return fmt.Sprintf("%s (%s upload ended after %d of %d items: re-upload or clear it): %s", ErrPartialUpload, p.list, p.sent, p.total, p.err)
}

func (p *partialUpload) Unwrap() []error { return []error{ErrPartialUpload, p.err} }

// known is the failure once a read-back has said what the vehicle holds:
// no more "may".
func (p *partialUpload) known() error {
	return fmt.Errorf("%w (the upload ended after %d of %d items)", p.err, p.sent, p.total)
}

func (u *uploadSession) handle(msg message.Message, now time.Time) {
	if u.done {
		return
	}
	var seq int
	switch m := msg.(type) {
	case *common.MessageMissionRequestInt:
		if m.MissionType != u.mtype {
			return
		}
		seq = int(m.Seq)
	case *common.MessageMissionRequest:
		if m.MissionType != u.mtype {
			return
		}
		seq = int(m.Seq)
	case *common.MessageMissionAck:
		if m.MissionType != u.mtype {
			return
		}
		u.handleAck(m.Type, now)
		return
	default:
		return
	}
	if seq >= len(u.items) {
		return // a request for an item we never announced: stale or corrupt
	}
	if seq == u.lastSeq+1 && !u.lastSentAt.IsZero() && u.resends == 0 {
		// Karn's rule: only a round trip whose item went out once is a sample.
		u.tm.sample(now.Sub(u.lastSentAt))
	}
	u.resends = 0
	if seq >= u.requested {
		u.requested = seq + 1
		u.lastMoved = now
		if u.progress != nil {
			u.progress(seq, len(u.items))
		}
	}
	u.sendItem(seq, now)
}

func (u *uploadSession) handleAck(r common.MAV_MISSION_RESULT, now time.Time) {
	switch {
	case r == common.MAV_MISSION_ACCEPTED:
		if !u.waitingAck {
			// An accept before every item was sent is a stale ACK
			// (a duplicate from an earlier transfer): keep going.
			return
		}
		if u.progress != nil {
			u.progress(len(u.items), len(u.items))
		}
		u.finish(nil)
	case r == common.MAV_MISSION_INVALID_SEQUENCE:
		// ArduPilot answers a duplicate or early item with this and keeps the
		// transfer going (it re-requests what it needs): not an end.
	case u.requested == 0 && r == common.MAV_MISSION_ERROR && !u.countRefused:
		// A generic error before any request may be a stray answer to an
		// earlier transfer's leftovers (a duplicated item reaching an idle
		// vehicle). Ask once more; a second refusal is real.
		u.countRefused = true
		u.retries++
		u.sendCount(now)
	case r == common.MAV_MISSION_ERROR && u.flavour == FlavourPX4 && u.restarts < maxUploadRestarts:
		// PX4 answers ERROR to an item when it has dropped the transfer (its
		// own timeout, or a stray item after it finished). Its uploads are
		// atomic (the old list stays until the last item), so starting again
		// is safe.
		u.restarts++
		u.retries++
		u.requested, u.lastSeq, u.waitingAck = 0, -1, false
		u.lastMoved = now
		u.sendCount(now)
	case u.waitingAck:
		// The last item went out. A refusal now is ambiguous: a vehicle that
		// finished (its ACCEPTED lost or late) refuses a stray copy of an item
		// (our resend, or a duplicate on the link). The read-back decides.
		u.unacked = true
		u.finish(nil)
	default:
		u.finish(u.mixed(fmt.Errorf("%w %s item %d of %d: %s", ErrRejected, typeName(u.mtype), max(u.requested-u.offset, 0), len(u.items)-u.offset, missionResultText(r))))
	}
}

func (u *uploadSession) timeout(now time.Time) {
	if u.done {
		return
	}
	if u.stalled(now) {
		what := "did not ask for any item after MISSION_COUNT"
		if u.requested > 0 {
			what = fmt.Sprintf("stopped asking after item %d of %d", max(u.requested-u.offset, 0), len(u.items)-u.offset)
		}
		if u.waitingAck {
			what = fmt.Sprintf("did not acknowledge the %d items", len(u.items)-u.offset)
		}
		u.finish(u.mixed(fmt.Errorf("%w: %s upload: the vehicle %s for %s", ErrTimeout, typeName(u.mtype), what, u.tm.stall())))
		return
	}
	if u.waitingAck && now.Sub(u.ackSince) >= 2*u.tm.general() {
		// Every item was asked for; the ACK (or our last item) keeps getting
		// lost. The read-back, not the ACK, says what the vehicle holds.
		u.unacked = true
		u.finish(nil)
		return
	}
	u.retries++
	u.resends++
	if u.lastSeq < 0 {
		u.sendCount(now)
		return
	}
	// Either our item or the vehicle's next request was lost. Send the item
	// again and, once, the next one too: both autopilots take the item they
	// expect whether or not they asked for it, so a lost request costs one
	// item timeout instead of the vehicle's own re-request delay (ArduPilot: 1 s).
	last := u.lastSeq
	u.sendItem(last, now)
	if next := last + 1; next == u.requested && next < len(u.items) {
		u.sendItem(next, now)
		u.lastSeq = last
	}
}

func (u *uploadSession) abort(now time.Time) {
	if u.done {
		return
	}
	u.ack(now, common.MAV_MISSION_OPERATION_CANCELLED)
	u.finish(u.mixed(fmt.Errorf("%w: %s upload stopped by the caller", ErrCancelled, typeName(u.mtype))))
}

// downloadSession reads a list: MISSION_REQUEST_LIST, MISSION_COUNT, then
// MISSION_REQUEST_INT per item, then MISSION_ACK. With a window above 1 it
// keeps several requests in flight (ArduPilot serves any item at any time;
// PX4 only the next one, so its window is 1).
type downloadSession struct {
	baseTransfer
	window   int
	restarts int
	silent   int // timeouts since the last item
	count    int // -1 until MISSION_COUNT arrived
	got      []*common.MessageMissionItemInt
	sentAt   []time.Time
	sends    []uint8
	have     int
	reqNext  int                             // the next item never asked for
	items    []*common.MessageMissionItemInt // the list, once complete
}

// downloadWindow is how many item requests an ArduPilot download keeps in flight.
const downloadWindow = 8

func newDownload(send sender, sys, comp uint8, t common.MAV_MISSION_TYPE, tm timing, p Progress) *downloadSession {
	return &downloadSession{baseTransfer: baseTransfer{send: send, sys: sys, comp: comp, mtype: t, tm: tm, progress: p}, count: -1, window: 1}
}

// forFlavour sets the request window the vehicle's autopilot allows.
func (d *downloadSession) forFlavour(f Flavour) *downloadSession {
	if f == FlavourArduPilot {
		d.window = downloadWindow
	}
	return d
}

func (d *downloadSession) requestList(now time.Time) {
	d.send(&common.MessageMissionRequestList{TargetSystem: d.sys, TargetComponent: d.comp, MissionType: d.mtype})
	d.lastSentAt = now
	d.due = now.Add(d.tm.retry(d.retries))
}

func (d *downloadSession) requestItem(seq int, now time.Time) {
	d.send(&common.MessageMissionRequestInt{TargetSystem: d.sys, TargetComponent: d.comp, Seq: uint16(seq), MissionType: d.mtype})
	d.sentAt[seq] = now
	if d.sends[seq] < 255 {
		d.sends[seq]++
	}
	d.lastSentAt = now
	d.due = now.Add(d.tm.item())
}

// fill keeps the window of outstanding requests full.
func (d *downloadSession) fill(now time.Time) {
	outstanding := 0
	for seq := 0; seq < d.reqNext; seq++ {
		if d.got[seq] == nil {
			outstanding++
		}
	}
	for outstanding < d.window && d.reqNext < d.count {
		d.requestItem(d.reqNext, now)
		d.reqNext++
		outstanding++
	}
}

func (d *downloadSession) reset() {
	d.count, d.got, d.sentAt, d.sends, d.have, d.reqNext = -1, nil, nil, nil, 0, 0
}

func (d *downloadSession) start(now time.Time) {
	d.lastMoved = now
	d.requestList(now)
}

func (d *downloadSession) handle(msg message.Message, now time.Time) {
	if d.done {
		return
	}
	var it *common.MessageMissionItemInt
	switch m := msg.(type) {
	case *common.MessageMissionCount:
		if m.MissionType != d.mtype || d.count >= 0 {
			return
		}
		if d.retries == 0 {
			d.tm.sample(now.Sub(d.lastSentAt))
		}
		d.count = int(m.Count)
		d.got = make([]*common.MessageMissionItemInt, d.count)
		d.sentAt = make([]time.Time, d.count)
		d.sends = make([]uint8, d.count)
		d.lastMoved = now
		if d.count == 0 {
			d.ack(now, common.MAV_MISSION_ACCEPTED)
			d.finish(nil)
			return
		}
		d.fill(now)
		return
	case *common.MessageMissionItemInt:
		it = m
	case *common.MessageMissionItem:
		it = itemFromFloat(m)
	case *common.MessageMissionAck:
		// The vehicle ended the transfer: PX4 does when a late duplicate of
		// an earlier request arrives (it serves items strictly in order),
		// ArduPilot denies a download while it is still receiving an upload.
		// Start again from MISSION_REQUEST_LIST, a bounded number of times.
		if m.MissionType != d.mtype || d.count < 0 || m.Type == common.MAV_MISSION_ACCEPTED {
			return
		}
		if d.restarts >= maxDownloadRestarts {
			d.finish(fmt.Errorf("%w %s download at item %d of %d: %s (after %d restarts)", ErrRejected, typeName(d.mtype), d.have, d.count, missionResultText(m.Type), d.restarts))
			return
		}
		d.restarts++
		d.retries++
		d.reset()
		d.requestList(now)
		return
	default:
		return
	}
	seq := int(it.Seq)
	if it.MissionType != d.mtype || d.count < 0 || seq >= d.reqNext || d.got[seq] != nil {
		return // not asked for, duplicate or stale: the pending requests still stand
	}
	if d.sends[seq] == 1 {
		d.tm.sample(now.Sub(d.sentAt[seq])) // Karn's rule: the request went out once
	}
	cp := *it
	d.got[seq] = &cp
	d.have++
	d.lastMoved = now
	d.silent = 0
	if d.progress != nil {
		d.progress(d.have, d.count)
	}
	if d.have == d.count {
		d.items = d.got
		d.ack(now, common.MAV_MISSION_ACCEPTED)
		d.finish(nil)
		return
	}
	d.fill(now)
}

func (d *downloadSession) timeout(now time.Time) {
	if d.done {
		return
	}
	if d.stalled(now) {
		what := "did not send MISSION_COUNT"
		if d.count >= 0 {
			what = fmt.Sprintf("stopped sending after item %d of %d", d.have, d.count)
		}
		d.finish(fmt.Errorf("%w: %s download: the vehicle %s for %s", ErrTimeout, typeName(d.mtype), what, d.tm.stall()))
		return
	}
	d.retries++
	d.silent++
	if d.count < 0 {
		d.requestList(now)
		return
	}
	if d.silent >= downloadSilentRestart && d.restarts < maxDownloadRestarts {
		// A vehicle that ended the transfer (its error ACK lost) ignores
		// requests for ever (PX4 does): start over.
		d.restarts++
		d.silent = 0
		d.reset()
		d.requestList(now)
		return
	}
	// Ask again for what is outstanding, oldest first.
	n := 0
	for seq := 0; seq < d.reqNext && n < d.window; seq++ {
		if d.got[seq] == nil {
			d.requestItem(seq, now)
			n++
		}
	}
}

func (d *downloadSession) abort(now time.Time) {
	if d.done {
		return
	}
	if d.count >= 0 {
		d.ack(now, common.MAV_MISSION_OPERATION_CANCELLED)
	}
	d.finish(fmt.Errorf("%w: %s download stopped by the caller", ErrCancelled, typeName(d.mtype)))
}

// maxUploadRestarts bounds how often a PX4 upload starts over after the
// vehicle dropped it.
const maxUploadRestarts = 5

// maxDownloadRestarts bounds how often a download starts over after the
// vehicle ended it.
const maxDownloadRestarts = 20

// downloadSilentRestart is how many unanswered requests in a row make a
// download start over (at 30 % loss each way, 8 in a row happen 0.5 % of the time).
const downloadSilentRestart = 8

// clearSession empties a list: MISSION_CLEAR_ALL, MISSION_ACK.
type clearSession struct{ baseTransfer }

func newClear(send sender, sys, comp uint8, t common.MAV_MISSION_TYPE, tm timing) *clearSession {
	return &clearSession{baseTransfer{send: send, sys: sys, comp: comp, mtype: t, tm: tm}}
}

func (c *clearSession) start(now time.Time) {
	c.lastMoved = now
	c.sendClear(now)
}

func (c *clearSession) sendClear(now time.Time) {
	c.send(&common.MessageMissionClearAll{TargetSystem: c.sys, TargetComponent: c.comp, MissionType: c.mtype})
	c.lastSentAt = now
	c.due = now.Add(c.tm.retry(c.retries))
}

func (c *clearSession) handle(msg message.Message, now time.Time) {
	m, ok := msg.(*common.MessageMissionAck)
	if c.done || !ok || m.MissionType != c.mtype {
		return
	}
	if m.Type == common.MAV_MISSION_ACCEPTED {
		c.finish(nil)
		return
	}
	c.finish(fmt.Errorf("%w to clear the %s: %s", ErrRejected, typeName(c.mtype), missionResultText(m.Type)))
}

func (c *clearSession) timeout(now time.Time) {
	if c.done {
		return
	}
	if c.stalled(now) {
		c.finish(fmt.Errorf("%w: clear %s: no MISSION_ACK for %s", ErrTimeout, typeName(c.mtype), c.tm.stall()))
		return
	}
	c.retries++
	c.sendClear(now)
}

func (c *clearSession) abort(time.Time) {
	if !c.done {
		c.finish(fmt.Errorf("%w: clear %s stopped by the caller (the vehicle may or may not have cleared it)", ErrCancelled, typeName(c.mtype)))
	}
}

// setCurrentSession makes a mission item current: MISSION_SET_CURRENT, then
// MISSION_CURRENT with that seq confirms it.
type setCurrentSession struct {
	baseTransfer
	seq uint16
}

func newSetCurrent(send sender, sys, comp uint8, seq uint16, tm timing) *setCurrentSession {
	return &setCurrentSession{baseTransfer: baseTransfer{send: send, sys: sys, comp: comp, tm: tm}, seq: seq}
}

func (s *setCurrentSession) start(now time.Time) {
	s.lastMoved = now
	s.sendSet(now)
}

func (s *setCurrentSession) sendSet(now time.Time) {
	s.send(&common.MessageMissionSetCurrent{TargetSystem: s.sys, TargetComponent: s.comp, Seq: s.seq})
	s.due = now.Add(s.tm.general())
}

func (s *setCurrentSession) handle(msg message.Message, now time.Time) {
	switch m := msg.(type) {
	case *common.MessageMissionCurrent:
		if !s.done && m.Seq == s.seq {
			s.finish(nil)
		}
	case *common.MessageMissionAck:
		if !s.done && m.MissionType == common.MAV_MISSION_TYPE_MISSION && m.Type != common.MAV_MISSION_ACCEPTED {
			s.finish(fmt.Errorf("%w to make item %d current: %s", ErrRejected, s.seq, missionResultText(m.Type)))
		}
	}
}

func (s *setCurrentSession) timeout(now time.Time) {
	if s.done {
		return
	}
	if s.stalled(now) {
		s.finish(fmt.Errorf("%w: set current item %d: MISSION_CURRENT never showed it within %s", ErrTimeout, s.seq, s.tm.stall()))
		return
	}
	s.retries++
	s.sendSet(now)
}

func (s *setCurrentSession) abort(time.Time) {
	if !s.done {
		s.finish(fmt.Errorf("%w: set current item stopped by the caller", ErrCancelled))
	}
}
