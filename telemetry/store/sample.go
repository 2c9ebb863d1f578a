package store

import (
	"math"
)

// Heartbeats (who is a vehicle, whether it is armed) go through the shared
// decoder (mavlink/decode), as live and replay do. The few fields the sortie
// statistics need of the frequent messages (position, battery) are read straight from the raw
// payload rather than through gomavlib's reflective decoder: the store sees
// every frame, and these offsets are fixed by the MAVLink wire format (fields
// sorted by size; MAVLink 2 may trim trailing zeros, so short payloads are
// zero-extended). sample_test.go checks them against gomavlib's decoder.
const (
	msgHeartbeat     = 0
	msgSysStatus     = 1
	msgGlobalPosInt  = 33
	msgBatteryStatus = 147
	// MsgSetupSigning carries a signing key: never stored, never exported.
	MsgSetupSigning = 256
)

// payload returns the frame's payload zero-extended to n bytes, in buf.
func payload(raw []byte, buf *[64]byte, n int) []byte {
	var hdr int
	switch {
	case len(raw) >= 10 && raw[0] == 0xFD:
		hdr = 10
	case len(raw) >= 6 && raw[0] == 0xFE:
		hdr = 6
	default:
		return nil
	}
	plen := int(raw[1])
	if hdr+plen > len(raw) {
		return nil
	}
	p := buf[:n]
	clear(p)
	copy(p, raw[hdr:hdr+plen])
	return p
}

type positionFields struct {
	lat, lon     float64 // degrees
	altM, relAlt float64
	vx, vy       float64 // m/s, north and east
}

func readGlobalPosition(raw []byte) (positionFields, bool) {
	var b [64]byte
	p := payload(raw, &b, 28)
	if p == nil {
		return positionFields{}, false
	}
	i32 := func(o int) int32 {
		return int32(uint32(p[o]) | uint32(p[o+1])<<8 | uint32(p[o+2])<<16 | uint32(p[o+3])<<24)
	}
	return positionFields{
		lat:    float64(i32(4)) / 1e7,
		lon:    float64(i32(8)) / 1e7,
		altM:   float64(i32(12)) / 1000,
		relAlt: float64(i32(16)) / 1000,
		vx:     float64(int16(uint16(p[20])|uint16(p[21])<<8)) / 100,
		vy:     float64(int16(uint16(p[22])|uint16(p[23])<<8)) / 100,
	}, true
}

// readBatteryPct reads battery_remaining of SYS_STATUS or BATTERY_STATUS; -1 is "unknown".
func readBatteryPct(msgID uint32, raw []byte) (int, bool) {
	var b [64]byte
	off := 30
	if msgID == msgBatteryStatus {
		off = 35
	}
	p := payload(raw, &b, off+1)
	if p == nil {
		return 0, false
	}
	return int(int8(p[off])), true
}

// haversineM is the great-circle distance in metres.
func haversineM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
