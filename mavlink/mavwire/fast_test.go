package mavwire

import (
	"math"
	"reflect"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/bluenviron/gomavlib/v3/pkg/x25"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
)

// fastIDs are the messages decodeFast decodes.
var fastIDs = []uint32{0, 1, 30, 33}

// FuzzDecodeFast_EqualsGomavlib holds the wire-layout decoders to gomavlib's
// reflection on every payload: the same message, field by field, or an
// error from both (a MAVLink 1 payload of the wrong size), for MAVLink 1 and
// 2, payloads trimmed of trailing zeros, and longer ones.
func FuzzDecodeFast_EqualsGomavlib(f *testing.F) {
	for _, id := range fastIDs {
		for _, n := range []int{0, 1, 9, 28, 31, 43, 60} {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(i*37 + int(id))
			}
			f.Add(uint8(id), p, true)
			f.Add(uint8(id), p, false)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte, v2 bool) {
		id := fastIDs[int(which)%len(fastIDs)]
		if len(payload) > 255 {
			payload = payload[:255]
		}
		got, ok, gotErr := decodeFast(id, payload, v2)
		if !ok {
			t.Fatalf("message %d: not decoded by decodeFast", id)
		}
		p := append([]byte(nil), payload...)
		want, wantErr := dialect.ReadWriter.GetMessage(id).Read(&message.MessageRaw{ID: id, Payload: p[:len(p):len(p)]}, v2)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("message %d v2=%v, %d bytes: error %v, gomavlib's %v", id, v2, len(payload), gotErr, wantErr)
		}
		if gotErr != nil {
			if gotErr.Error() != wantErr.Error() {
				t.Errorf("error %q, gomavlib says %q", gotErr, wantErr)
			}
			return
		}
		if !sameFields(got, want) {
			t.Fatalf("message %d v2=%v, %d bytes:\n got %#v\nwant %#v", id, v2, len(payload), got, want)
		}
	})
}

// sameFields compares two messages field by field, floats by their bits
// (a NaN must come out as the same NaN).
func sameFields(a, b message.Message) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	if va.Type() != vb.Type() {
		return false
	}
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if fa.Kind() == reflect.Float32 {
			if math.Float32bits(float32(fa.Float())) != math.Float32bits(float32(fb.Float())) {
				return false
			}
		} else if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			return false
		}
	}
	return true
}

// Messages outside the four are left to gomavlib.
func TestDecodeFast_OnlyTheFour(t *testing.T) {
	for id := uint32(0); id < 400; id++ {
		_, ok, _ := decodeFast(id, make([]byte, 40), true)
		if want := id == 0 || id == 1 || id == 30 || id == 33; ok != want {
			t.Errorf("message %d: decoded by decodeFast %v, want %v", id, ok, want)
		}
	}
}

// FuzzChecksum_EqualsX25 holds the table-driven checksum to gomavlib's x25.
func FuzzChecksum_EqualsX25(f *testing.F) {
	f.Add([]byte{}, byte(0))
	f.Add([]byte("123456789"), byte(50))
	f.Fuzz(func(t *testing.T, b []byte, extra byte) {
		h := x25.New()
		h.Write(b)
		h.Write([]byte{extra})
		if got, want := checksum(b, extra), h.Sum16(); got != want {
			t.Fatalf("checksum %#04x, x25 %#04x", got, want)
		}
	})
}
