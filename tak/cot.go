// Package tak speaks Cursor-on-Target (CoT), the XML event format of the TAK
// family (ATAK, WinTAK, TAK Server): it sends our drones, detections and open
// alerts to TAK clients as CoT events with stable uids and stale times, and
// reads the markers TAK clients send, so that a field team's points appear on
// Borderwatch's map.
//
// encoding/xml is enough for CoT: an event is three small elements with flat
// attributes, and the TAK protobuf form is not needed on the plain XML
// transports (UDP multicast, TCP to a TAK Server) that ATAK accepts. No Go CoT
// library is served by the module proxy here (see docs/dependencies.md).
package tak

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Event is one CoT event (MITRE CoT 2.0 base schema, with the detail elements
// TAK clients read: contact, track, remarks, status, link).
type Event struct {
	XMLName xml.Name `xml:"event"`
	Version string   `xml:"version,attr"`
	UID     string   `xml:"uid,attr"`
	// Type is the CoT type: a-f-A-M-F-Q is a friendly military drone,
	// a-s-G-U-C-I a suspect person on the ground, b-m-p-s-m a spot marker …
	Type  string `xml:"type,attr"`
	How   string `xml:"how,attr"`
	Time  string `xml:"time,attr"`
	Start string `xml:"start,attr"`
	Stale string `xml:"stale,attr"`
	Point Point  `xml:"point"`
	// Detail is optional in CoT; ours always carries one.
	Detail *Detail `xml:"detail"`
}

// Point is where the event is: WGS84 latitude and longitude, height above the
// ellipsoid (hae), and circular (ce) and linear (le) errors in metres, with
// 9999999 meaning "unknown" as the CoT guide asks.
type Point struct {
	Lat float64 `xml:"lat,attr"`
	Lon float64 `xml:"lon,attr"`
	HAE float64 `xml:"hae,attr"`
	CE  float64 `xml:"ce,attr"`
	LE  float64 `xml:"le,attr"`
}

// Unknown is CoT's value for an unknown height or error.
const Unknown = 9999999.0

// Detail holds what TAK clients show beside the symbol.
type Detail struct {
	Contact *Contact `xml:"contact"`
	Track   *Track   `xml:"track"`
	Status  *Status  `xml:"status"`
	Remarks string   `xml:"remarks,omitempty"`
	Link    *Link    `xml:"link"`
}

// Contact is the label TAK shows.
type Contact struct {
	Callsign string `xml:"callsign,attr"`
}

// Track is the course (degrees true) and speed (m/s).
type Track struct {
	Course float64 `xml:"course,attr"`
	Speed  float64 `xml:"speed,attr"`
}

// Status carries the battery in percent.
type Status struct {
	Battery int `xml:"battery,attr"`
}

// Link ties an event to another (a detection to the drone that saw it).
type Link struct {
	UID      string `xml:"uid,attr"`
	Type     string `xml:"type,attr"`
	Relation string `xml:"relation,attr"`
}

// cotTime is the time format of CoT (ISO 8601 in UTC, milliseconds).
const cotTime = "2006-01-02T15:04:05.000Z"

// FormatTime writes t as CoT does.
func FormatTime(t time.Time) string { return t.UTC().Format(cotTime) }

// Marshal writes the event as an XML document, as TAK sends it on UDP.
func (e *Event) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("cot: encode %s: %w", e.UID, err)
	}
	return b.Bytes(), nil
}

// MaxEventBytes bounds one event we read: TAK events are a few hundred bytes
// (a drawn shape a few kilobytes); anything larger is refused, not buffered.
const MaxEventBytes = 64 << 10

// ErrBadEvent is wrapped by every refusal of Parse.
var ErrBadEvent = errors.New("cot: bad event")

// Parse reads one CoT event and checks what Borderwatch relies on: a uid and a
// type, times that parse with stale after start, and a position on the Earth.
// It refuses anything else with a reason and never panics.
func Parse(data []byte) (*Event, error) {
	if len(data) > MaxEventBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadEvent, len(data), MaxEventBytes)
	}
	var e Event
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	// CoT is ASCII/UTF-8; an external entity or another charset is not CoT.
	dec.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("charset %q is not UTF-8", label)
	}
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%w: not a CoT <event>: %v", ErrBadEvent, err)
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return &e, nil
}

func (e *Event) check() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadEvent, fmt.Sprintf(format, a...))
	}
	if e.UID == "" || len(e.UID) > 200 {
		return bad("uid %q must be 1-200 characters", clip(e.UID))
	}
	if e.Type == "" || len(e.Type) > 100 || strings.ContainsAny(e.Type, " <>&\"'") {
		return bad("event %s: type %q is not a CoT type such as a-f-G-U-C", clip(e.UID), clip(e.Type))
	}
	var times [3]time.Time
	for i, s := range []string{e.Time, e.Start, e.Stale} {
		t, err := ParseTime(s)
		if err != nil {
			return bad("event %s: %s", clip(e.UID), err)
		}
		times[i] = t
	}
	if times[2].Before(times[1]) {
		return bad("event %s: stale %s is before start %s", clip(e.UID), e.Stale, e.Start)
	}
	p := e.Point
	if !(p.Lat >= -90 && p.Lat <= 90) || !(p.Lon >= -180 && p.Lon <= 180) {
		return bad("event %s: point (%g, %g) is not a latitude and longitude", clip(e.UID), p.Lat, p.Lon)
	}
	for _, v := range []float64{p.HAE, p.CE, p.LE} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("event %s: point has a value that is not a number", clip(e.UID))
		}
	}
	return nil
}

// ParseTime reads a CoT time: ISO 8601 in UTC, with or without fractions.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is not ISO 8601 such as 2026-12-06T09:00:00.000Z", clip(s))
	}
	return t, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
