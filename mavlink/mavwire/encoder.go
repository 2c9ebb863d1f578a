package mavwire

import (
	"crypto/sha256"
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Signer signs outgoing MAVLink 2 frames (mavlink.io/en/guide/message_signing.html).
type Signer struct {
	Key    [32]byte
	LinkID uint8
	// Timestamp returns the next signing timestamp in 10 µs units since
	// 2015-01-01; it must never go back, across restarts too.
	Timestamp func() uint64
}

// Encoder turns messages into frames for one sender (system and component id).
// It keeps the sender's sequence number, so use one Encoder per sender and do
// not share it between goroutines.
type Encoder struct {
	Dialect     *dialect.ReadWriter
	SystemID    uint8
	ComponentID uint8
	// (optional) V1 makes MAVLink 1 frames; defaults to MAVLink 2.
	V1 bool
	// (optional) Signer signs MAVLink 2 frames; nil sends them unsigned.
	Signer *Signer

	seq uint8
}

// Encode appends the frame for msg to dst and returns it.
func (e *Encoder) Encode(dst []byte, msg message.Message) ([]byte, error) {
	mp := e.Dialect.GetMessage(msg.GetID())
	if mp == nil {
		return dst, fmt.Errorf("mavwire: message id %d is not in the dialect", msg.GetID())
	}
	raw := mp.Write(msg, !e.V1)
	if e.V1 && msg.GetID() > 255 {
		return dst, fmt.Errorf("mavwire: message id %d needs MAVLink 2", msg.GetID())
	}
	seq := e.seq
	e.seq++
	start := len(dst)
	if e.V1 {
		dst = append(dst, MagicV1, byte(len(raw.Payload)), seq, e.SystemID, e.ComponentID, byte(msg.GetID()))
	} else {
		var incompat byte
		if e.Signer != nil {
			incompat = IncompatFlagSigned
		}
		id := msg.GetID()
		dst = append(dst, MagicV2, byte(len(raw.Payload)), incompat, 0, seq, e.SystemID, e.ComponentID,
			byte(id), byte(id>>8), byte(id>>16))
	}
	dst = append(dst, raw.Payload...)
	sum := checksum(dst[start+1:], mp.CRCExtra())
	dst = append(dst, byte(sum), byte(sum>>8))
	if !e.V1 && e.Signer != nil {
		dst = AppendSignature(dst, start, e.Signer.Key, e.Signer.LinkID, e.Signer.Timestamp())
	}
	return dst, nil
}

// AppendSignature appends link id, timestamp and signature to the unsigned-tail
// frame that starts at dst[start:] (its incompat flag must already be set).
func AppendSignature(dst []byte, start int, key [32]byte, linkID uint8, timestamp uint64) []byte {
	dst = append(dst, linkID,
		byte(timestamp), byte(timestamp>>8), byte(timestamp>>16),
		byte(timestamp>>24), byte(timestamp>>32), byte(timestamp>>40))
	sig := ComputeSignature(key, dst[start:])
	return append(dst, sig[:]...)
}

// ComputeSignature returns the 48-bit signature of signedPart: the frame from
// its magic byte through link id and timestamp (everything but the signature).
func ComputeSignature(key [32]byte, signedPart []byte) [6]byte {
	h := sha256.New()
	h.Write(key[:])
	h.Write(signedPart)
	var sig [6]byte
	copy(sig[:], h.Sum(nil))
	return sig
}
