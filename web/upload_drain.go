package web

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
)

// Graceful shutdown of plan uploads: Close gives the uploads in progress
// ShutdownTimeout to finish (the HTTP server's own drain); those still
// running are then cancelled, which stops the transfer with the vehicle
// (MISSION_ACK OPERATION_CANCELLED, then a read-back of what it holds), and
// each reports it: the transfer's state in the answer and the upload
// record, an audit entry and an alert "upload cancelled by shutdown", and
// an error to the API client rather than a cut connection. They have
// uploadReportTimeout for that before connections are cut.

// uploadReportTimeout is how long a cancelled upload has to report (with
// the default ShutdownTimeout, within the systemd unit's TimeoutStopSec=30): the
// read-back of what the vehicle holds after a cancelled upload is bounded
// by 10 s of silence in gcs (an ArduPilot denies read-backs for 8 s after
// an upload it was part of stops), and the client's answer waits for it.
const uploadReportTimeout = 20 * time.Second

// errUploadShutdown marks an upload cancelled because the server shuts down.
var errUploadShutdown = errors.New("upload cancelled by shutdown")

// uploadDrain tracks running uploads and cancels them at shutdown.
type uploadDrain struct {
	mu      sync.Mutex
	closing bool
	running sync.WaitGroup
	ctx     context.Context // cancelled (with errUploadShutdown) to stop them
	stop    context.CancelCauseFunc
}

func (d *uploadDrain) init() {
	d.ctx, d.stop = context.WithCancelCause(context.Background())
}

// begin registers an upload; false when the server is shutting down. The
// upload's context ends when the client goes away (parent, a request's
// context, ends while server, the server's, has not) or when the drain
// cancels it; the server's own start of shutdown, which ends every
// request's context (BaseContext), does not end it: it gets the bound.
func (d *uploadDrain) begin(parent, server context.Context) (context.Context, func(), bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		return nil, nil, false
	}
	d.running.Add(1)
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	unhookDrain := context.AfterFunc(d.ctx, func() { cancel(errUploadShutdown) })
	unhookClient := context.AfterFunc(parent, func() {
		if server.Err() == nil {
			cancel(context.Cause(parent)) // the client hung up
		}
	})
	return ctx, func() {
		unhookDrain()
		unhookClient()
		cancel(nil)
		d.running.Done()
	}, true
}

// close refuses new uploads.
func (d *uploadDrain) close() {
	d.mu.Lock()
	d.closing = true
	d.mu.Unlock()
}

// cancelAll stops the running uploads.
func (d *uploadDrain) cancelAll() { d.stop(errUploadShutdown) }

// wait waits for the running uploads, until ctx ends; false if some still run.
func (d *uploadDrain) wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() {
		d.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// shutdownError rewrites the error of an upload the drain cancelled, so
// that it says so, and raises the alert; other errors pass unchanged.
func (s *Server) shutdownError(ctx context.Context, id telemetry.VehicleID, err error) error {
	if err == nil || !errors.Is(context.Cause(ctx), errUploadShutdown) {
		return err
	}
	err = fmt.Errorf("%w: %w", errUploadShutdown, err)
	s.Hub.Publish(telemetry.Alert{EventHeader: telemetry.Header(time.Now(), id),
		Type: telemetry.AlertUploadCancelled, Severity: telemetry.SeverityWarning, Text: fmt.Sprintf("vehicle %d: %v", id, err)})
	return err
}
