package store

// The sortie statistics come from the shared decoder (sortie.go). What still
// reads the few fields it needs of the frequent messages (position, speed,
// battery) straight from the raw payload is the replay's series of a whole
// sortie (series.go), which passes over every frame of a log that may hold
// millions: these offsets are fixed by the MAVLink wire format (fields
// sorted by size; MAVLink 2 may trim trailing zeros, so short payloads are
// zero-extended), and sample_test.go checks them against gomavlib's decoder.

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
