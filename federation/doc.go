// Package federation joins stations to a headquarters over NATS JetStream.
//
// A station (Station) is an ordinary Borderwatch server with MAVLink links.
// It publishes what its hub carries to JetStream:
//   - vehicle states on bw.<station>.state.<vehicle>, at most one per vehicle
//     per StateInterval, latest wins, into the shared stream BW_STATES (one
//     message kept per subject). States are lossy by design: a state that
//     cannot go out now is replaced by the next one and counted as dropped.
//   - events (detections, alerts, mode and arm changes, transfer results) and
//     sortie summaries on bw.<station>.events, into the station's own stream
//     BW_EV_<station>. Events are never dropped for a slow or dead uplink:
//     they are first written to a durable outbox on the station's disk
//     (outbox.go, a bbolt file beside the store) and taken out only when
//     JetStream has acknowledged them. The outbox is sent strictly in order,
//     one batch in flight, each batch with a message id, so a batch whose
//     acknowledgement was lost is deduplicated by JetStream when it is sent
//     again; the headquarters also ignores any event whose station sequence
//     it has already applied (in the outbox's numbering: a new outbox file
//     numbers from 1 under a new name, batch.Numbering). Together: every event arrives, in order, once.
//
// The headquarters (HQ) has no links of its own. It finds stations by their
// event streams, reads each with a durable consumer (it resumes where it
// stopped after its own restart or disconnection), reads BW_STATES with an
// ordered consumer from the last state of each vehicle, and keeps a view of
// every station's fleet, alerts, detections and sorties; with a StorePath
// the view is kept in a bbolt file and survives the HQ's restart, each
// batch written before it is acknowledged (hq_store.go). A vehicle's state
// older than StaleAfter (by the HQ's clock, against the station's send time)
// is shown as stale with link_ok false, never as live.
//
// Commands and uploads from the HQ go to a station over NATS request/reply
// on bw.<station>.rpc (forward.go). The HQ signs each request with its nkey;
// the station accepts only keys it was told to trust, refuses old or
// replayed requests, and runs the request through its own route table with
// the HQ user's name and role, so the role check and the audit record are
// the ones its own operators get.
//
// Nothing here blocks the hub: the station reads it through a bounded
// subscription, and publishing happens on goroutines of its own.
package federation
