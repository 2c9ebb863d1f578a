package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// maxCommandBody bounds a command request body.
const maxCommandBody = 64 << 10

// commandTimeout bounds how long a command request waits for vehicles.
const commandTimeout = 60 * time.Second

// CommandRequest is the body of POST /api/v1/vehicles/{id}/commands (and,
// with Vehicles, of POST /api/v1/commands). Which arguments apply depends on
// the command; see docs/api.md.
type CommandRequest struct {
	Command string `json:"command"`
	// Vehicles is the list of vehicle ids of a fleet command.
	Vehicles []telemetry.VehicleID `json:"vehicles,omitempty"`

	Force     bool     `json:"force,omitempty"`      // arm, disarm
	AltM      *float64 `json:"alt_m,omitempty"`      // takeoff, goto (above home)
	Mode      string   `json:"mode,omitempty"`       // mode
	Lat       *float64 `json:"lat,omitempty"`        // goto
	Lon       *float64 `json:"lon,omitempty"`        // goto
	SpeedMS   *float64 `json:"speed_m_s,omitempty"`  // speed
	Enable    *bool    `json:"enable,omitempty"`     // fence_enable
	MessageID *uint32  `json:"message_id,omitempty"` // message_interval
	Hz        *float64 `json:"hz,omitempty"`         // message_interval
	Index     *int     `json:"index,omitempty"`      // set_current (0 = first item after home)
}

// CommandResponse is what a command answers: the vehicle's result.
type CommandResponse struct {
	ID      telemetry.VehicleID `json:"id"`
	SysID   uint8               `json:"sysid"`
	Command string              `json:"command"`
	gcs.CommandResult
	Error string `json:"error,omitempty"`
}

var commandNames = []string{"arm", "disarm", "takeoff", "mode", "rtl", "land", "hold", "mission_start",
	"mission_pause", "mission_continue", "goto", "speed", "fence_enable", "message_interval", "set_current"}

func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than this endpoint's limit of %d bytes", tooBig.Limit))
			return false
		}
		msg := err.Error()
		if errors.Is(err, io.EOF) {
			msg = "empty body"
		}
		writeError(w, http.StatusBadRequest, "request body is not valid JSON for this endpoint: "+msg)
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "request body has data after the JSON object")
		return false
	}
	return true
}

// need reports a missing argument as a gcs.ErrBadInput.
func need(what string, ok bool) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%w: this command needs %s", gcs.ErrBadInput, what)
}

// runCommand runs one request on one vehicle.
func (s *Server) runCommand(ctx context.Context, id telemetry.VehicleID, c CommandRequest) (gcs.CommandResult, error) {
	f := s.Fleet
	switch strings.ToLower(c.Command) {
	case "arm":
		return f.Arm(ctx, id, true, c.Force)
	case "disarm":
		return f.Arm(ctx, id, false, c.Force)
	case "takeoff":
		if err := need(`"alt_m"`, c.AltM != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.Takeoff(ctx, id, *c.AltM)
	case "mode":
		if err := need(`"mode" (e.g. "GUIDED", "AUTO_MISSION")`, c.Mode != ""); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.SetMode(ctx, id, c.Mode)
	case "rtl":
		return f.RTL(ctx, id)
	case "land":
		return f.Land(ctx, id)
	case "hold":
		return f.Hold(ctx, id)
	case "mission_start":
		return f.MissionStart(ctx, id)
	case "mission_pause":
		return f.MissionPause(ctx, id, true)
	case "mission_continue":
		return f.MissionPause(ctx, id, false)
	case "goto":
		if err := need(`"lat", "lon" and "alt_m"`, c.Lat != nil && c.Lon != nil && c.AltM != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.Goto(ctx, id, *c.Lat, *c.Lon, *c.AltM)
	case "speed":
		if err := need(`"speed_m_s"`, c.SpeedMS != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.ChangeSpeed(ctx, id, *c.SpeedMS)
	case "fence_enable":
		if err := need(`"enable"`, c.Enable != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.SetFenceEnable(ctx, id, *c.Enable)
	case "message_interval":
		if err := need(`"message_id" and "hz"`, c.MessageID != nil && c.Hz != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		return f.SetMessageInterval(ctx, id, *c.MessageID, *c.Hz)
	case "set_current":
		if err := need(`"index"`, c.Index != nil); err != nil {
			return gcs.CommandResult{}, err
		}
		if err := f.SetCurrent(ctx, id, *c.Index); err != nil {
			return gcs.CommandResult{}, err
		}
		return gcs.CommandResult{Status: "accepted", Attempts: 1}, nil
	}
	return gcs.CommandResult{}, fmt.Errorf("%w: unknown command %q (one of %s)", gcs.ErrBadInput, c.Command, strings.Join(commandNames, ", "))
}

// vehicleErrorStatus maps a gcs error to an HTTP status.
func vehicleErrorStatus(err error) int {
	switch {
	case errors.Is(err, gcs.ErrBadInput):
		return http.StatusBadRequest
	case errors.Is(err, gcs.ErrNoVehicle), errors.Is(err, gcs.ErrNoParam):
		return http.StatusNotFound
	case errors.Is(err, gcs.ErrBusy):
		return http.StatusConflict
	case errors.Is(err, gcs.ErrUnsupported):
		return http.StatusUnprocessableEntity
	case errors.Is(err, gcs.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, gcs.ErrClosed):
		return http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, gcs.ErrCancelled):
		return http.StatusGatewayTimeout
	}
	// Refusals, verification failures and mixed missions: the vehicle's state
	// conflicts with the request.
	return http.StatusConflict
}

func (s *Server) handleVehicleCommand(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	var c CommandRequest
	if !decodeBody(w, r, maxCommandBody, &c) {
		return
	}
	if len(c.Vehicles) > 0 {
		writeError(w, http.StatusBadRequest, `"vehicles" belongs to POST /api/v1/commands; this endpoint commands vehicle `+r.PathValue("id"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	res, err := s.runCommand(ctx, id, c)
	s.audit(r, id, "command", commandDetail(c), err)
	out := CommandResponse{ID: id, SysID: id.SysID(), Command: c.Command, CommandResult: res}
	if err != nil {
		out.Error = err.Error()
		writeJSON(w, vehicleErrorStatus(err), out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleVehicleModes lists the flight modes the vehicle's autopilot knows
// (the names the "mode" command takes), in the autopilot's own order.
func (s *Server) handleVehicleModes(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	m, err := s.Fleet.Modes(r.Context(), id)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// FleetCommandResponse answers POST /api/v1/commands: one result per vehicle.
type FleetCommandResponse struct {
	Results []CommandResponse `json:"results"`
	OK      int               `json:"ok"`
	Failed  int               `json:"failed"`
}

func (s *Server) handleFleetCommand(w http.ResponseWriter, r *http.Request) {
	var c CommandRequest
	if !decodeBody(w, r, maxCommandBody, &c) {
		return
	}
	if len(c.Vehicles) == 0 {
		writeError(w, http.StatusBadRequest, `a fleet command needs "vehicles": [vehicle ids]`)
		return
	}
	for _, id := range c.Vehicles {
		if err := id.Check(); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	one := c
	one.Vehicles = nil
	results := s.Fleet.FleetCommand(ctx, c.Vehicles, func(ctx context.Context, id telemetry.VehicleID) (gcs.CommandResult, error) {
		return s.runCommand(ctx, id, one)
	})
	out := FleetCommandResponse{Results: make([]CommandResponse, len(results))}
	for i, fr := range results {
		out.Results[i] = CommandResponse{ID: fr.ID, SysID: fr.SysID, Command: c.Command, CommandResult: fr.Result, Error: fr.Error}
		s.audit(r, fr.ID, "command", commandDetail(c)+" (fleet)", fr.Err)
		if fr.Err != nil {
			out.Failed++
		} else {
			out.OK++
		}
	}
	writeJSON(w, http.StatusOK, out)
}
