package gcs

import (
	"context"
	"fmt"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/telemetry"
)

// SetupSigning provisions a 32-byte signing key on a vehicle with
// SETUP_SIGNING (do it over a trusted link: the key travels in clear), keeps
// it in the SigningStore, and from then on signs every frame to the vehicle
// and refuses its frames unless they are signed with that key. It returns once
// a correctly signed frame has arrived from the vehicle.
func (f *Fleet) SetupSigning(ctx context.Context, vid telemetry.VehicleID, key [32]byte) error {
	if f.SigningStore == nil {
		return fmt.Errorf("%w: no signing store configured: keys could not survive a restart", ErrSigning)
	}
	if key == ([32]byte{}) {
		return fmt.Errorf("%w: an all-zero key disables signing; use DisableSigning", ErrBadInput)
	}
	tg, ib, err := f.attach(ctx, vid)
	if err != nil {
		return err
	}
	f.detach(vid, ib)
	setup := &common.MessageSetupSigning{TargetSystem: vid.SysID(), TargetComponent: tg.compid, SecretKey: key,
		InitialTimestamp: f.r.currentTimestamp()}
	// Sent with the current state (unsigned, or the old key) before ours changes.
	f.r.send(vid, setup)
	if err := f.SigningStore.SetSigningKey(vid, key); err != nil {
		return fmt.Errorf("%w: store the key of vehicle %d: %w (the vehicle may already use it; provision again)", ErrSigning, vid, err)
	}
	if err := f.useKey(ctx, vid, &key); err != nil {
		return err
	}
	tm := f.timing(tg.rtt)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := f.Now().Add(tm.stall())
	resend := f.Now().Add(tm.general())
	for {
		v, ok, err := f.Vehicle(ctx, vid)
		if err != nil {
			return err
		}
		if ok && v.Signed {
			return nil
		}
		now := f.Now()
		if now.After(deadline) {
			return fmt.Errorf("%w: %w: vehicle %d sent no frame signed with the new key within %s; its frames are now refused: check that it supports signing, provision again, or DisableSigning", ErrSigning, ErrTimeout, vid, tm.stall())
		}
		if now.After(resend) {
			setup.InitialTimestamp = f.r.currentTimestamp()
			f.r.send(vid, setup)
			resend = now.Add(tm.general())
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%w: signing setup of vehicle %d (the key is stored and in use)", ErrCancelled, vid)
		}
	}
}

// DisableSigning tells the vehicle to stop signing (SETUP_SIGNING with an
// all-zero key, signed with the current key) and forgets its key.
func (f *Fleet) DisableSigning(ctx context.Context, vid telemetry.VehicleID) error {
	tg, ib, err := f.attach(ctx, vid)
	if err != nil {
		return err
	}
	f.detach(vid, ib)
	for range 3 { // no ACK in the protocol: send it a few times
		f.r.send(vid, &common.MessageSetupSigning{TargetSystem: vid.SysID(), TargetComponent: tg.compid})
	}
	if f.SigningStore != nil {
		if err := f.SigningStore.DeleteSigningKey(vid); err != nil {
			return fmt.Errorf("%w: forget the key of vehicle %d: %w", ErrSigning, vid, err)
		}
	}
	return f.useKey(ctx, vid, nil)
}

// useKey switches the fleet's view of a vehicle's key (nil: unsigned).
func (f *Fleet) useKey(ctx context.Context, vid telemetry.VehicleID, key *[32]byte) error {
	f.r.setKey(vid, key)
	return f.do(ctx, func() {
		var s *signedStreams
		if key != nil {
			s = &signedStreams{key: *key}
		}
		f.keys[vid] = s
		if v := f.vehicles[vid]; v != nil {
			v.sign = s
			v.state.Signed = false
			f.Hub.Publish(v.snapshot())
		}
	})
}
