package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// crossingDistM is the border rule every upload must pass even when the
// caller set none: a leg within it touches or crosses the border, and
// nothing Borderwatch accepts may send a drone across the border.
const crossingDistM = 1

// PlanUploadRefused answers an upload that was not sent: a 409 with the
// warnings to confirm (?confirm=1), or a 422 with the problems that make the
// plan unflyable. Nothing reached the vehicle.
type PlanUploadRefused struct {
	Error    string                   `json:"error"`
	Warnings []missions.UploadWarning `json:"warnings,omitempty"`
	Problems missions.Problems        `json:"problems,omitempty"`
}

// uploadSource says which library version a plan is, for the upload record.
type uploadSource struct {
	plan    string
	version int
}

// planChecks runs every check an uploaded or validated plan goes through:
// the shape of its items against the firmware's limits, where it flies
// against its own fence, and its distance from the server's border layers
// (at least crossingDistM, or minBorderM when larger).
func (s *Server) planChecks(p *missions.Plan, lim missions.Limits, minBorderM float64) missions.Problems {
	probs := missions.Validate(p, lim)
	rules := missions.GeoRules{}
	if b := s.borderIndex(); b != nil {
		rules.Border, rules.MinBorderDistM = b, max(minBorderM, crossingDistM)
		// Our side comes from the own-territory layers when the server has
		// them, so that a plan is judged by where the agency's territory is,
		// not by where the plan's own home happens to be.
		rules.OurSide = b.OurSide(s.layersByKind(missions.LayerOwnTerritory))
	}
	return append(probs, missions.ValidateGeo(p, rules)...)
}

// uploadTarget is what UploadWarnings needs to know of a vehicle.
func uploadTarget(v gcs.VehicleState) missions.UploadTarget {
	t := missions.UploadTarget{FirmwareType: firmwareOf(v.Autopilot)}
	switch {
	case v.Home != nil && (v.Home.Lat != 0 || v.Home.Lon != 0):
		t.Home = &missions.Position{Lat: v.Home.Lat, Lon: v.Home.Lon, AltM: v.Home.AltM}
	case v.HasPosition:
		t.Home = &missions.Position{Lat: v.Lat, Lon: v.Lon, AltM: v.AltM}
	}
	if v.MissionTotal > 0 && v.MissionTotal < 65535 { // PX4 sends 65535 for "no mission"
		t.MissionItems = v.MissionTotal
	}
	return t
}

func firmwareOf(autopilot string) uint8 {
	switch autopilot {
	case "ardupilot":
		return missions.FirmwareArduPilot
	case "px4":
		return missions.FirmwarePX4
	}
	return missions.FirmwareGeneric
}

// uploadPlan checks p, asks for confirmation of what deserves it, uploads
// it to vehicle id with per-list progress on /ws/live, records the upload
// and answers the verified result. It is the one path of every upload.
func (s *Server) uploadPlan(w http.ResponseWriter, r *http.Request, id telemetry.VehicleID, p *missions.Plan, src uploadSource) {
	v, found, err := s.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if !found {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no vehicle %d has been heard", id))
		return
	}
	target := uploadTarget(v)
	lim := missions.Limits{}
	checked := p
	if p.Vehicle.FirmwareType == missions.FirmwareGeneric && target.FirmwareType != missions.FirmwareGeneric {
		// Check against the limits of the autopilot it goes to.
		checked = p.Clone()
		checked.Vehicle.FirmwareType = target.FirmwareType
	}
	if errs := s.planChecks(checked, lim, 0).Errors(); len(errs) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, PlanUploadRefused{
			Error:    fmt.Sprintf("nothing was sent, the vehicle's plan is unchanged: %v", errs.Err()),
			Problems: errs})
		return
	}
	if warn := missions.UploadWarnings(p, target); len(warn) > 0 && r.URL.Query().Get("confirm") != "1" {
		writeJSON(w, http.StatusConflict, PlanUploadRefused{
			Error:    fmt.Sprintf("nothing was sent: %s; repeat the request with ?confirm=1 to upload anyway", warn[0].Message),
			Warnings: warn})
		return
	}
	if s.Store != nil && src.plan == "" {
		// Before sending: the version must be stored before the upload that
		// flies it, and a plan that cannot be stored is still uploaded (the
		// record then says "a plan not in the library", as before).
		var err error
		if src, err = s.flownVersion(id, requestUser(r), p); err != nil {
			s.Logger.Error("web: storing the plan uploaded as a library version", "sysid", id, "err", err)
		}
	}
	opt := gcs.TransferOptions{NoVerify: r.URL.Query().Get("verify") == "false",
		ListProgress: func(list missions.MissionType, sent, total int) {
			s.publishUploadProgress(UploadProgress{Vehicle: id, List: list.String(), Sent: sent, Total: total})
		}}
	uctx, done, ok := s.uploads.begin(r.Context(), s.ctx)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down: nothing was sent, the vehicle's plan is unchanged; upload again once it is back")
		return
	}
	defer done()
	ctx, cancel := context.WithTimeout(uctx, planTimeout)
	defer cancel()
	rep, err := s.Fleet.UploadPlan(ctx, id, p, opt)
	err = s.shutdownError(uctx, id, err)
	name := ""
	if src.plan != "" {
		name = fmt.Sprintf("plan %q version %d: ", src.plan, src.version)
	}
	s.auditUser(r, id, "plan_upload", fmt.Sprintf("%s%d mission items, %d fence polygons, %d fence circles, %d rally points, verified %v",
		name, len(p.Mission), len(p.Fence.Polygons), len(p.Fence.Circles), len(p.Rally), rep.Verified), err)
	if s.Store != nil {
		rec := store.PlanUpload{Time: time.Now(), Plan: src.plan, Version: src.version, Vehicle: id, SysID: id.SysID(), User: requestUser(r),
			Items: [3]int{len(p.Mission), len(p.Items(missions.TypeFence)), len(p.Rally)}, Verified: rep.Verified}
		if err != nil {
			rec.Error = err.Error()
		}
		if rerr := s.Store.RecordPlanUpload(rec); rerr != nil {
			s.Logger.Error("web: recording a plan upload", "sysid", id, "err", rerr)
		}
	}
	out := PlanUploadResponse{ID: id, SysID: id.SysID(), PlanReport: rep, Plan: src.plan, Version: src.version}
	if err != nil {
		out.Error = err.Error()
		status := vehicleErrorStatus(err)
		if errors.Is(err, errUploadShutdown) {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// PlanLibraryUpload is the body of POST /api/v1/plans/{name}/upload.
type PlanLibraryUpload struct {
	Vehicle telemetry.VehicleID `json:"vehicle"`
	// Version to upload; 0 (or absent) is the latest.
	Version int `json:"version,omitempty"`
}

const maxLibraryUploadBody = 4 << 10

// handlePlanLibraryUpload uploads a stored plan version to a vehicle and
// records which version went there.
func (s *Server) handlePlanLibraryUpload(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	var body PlanLibraryUpload
	if !decodeBody(w, r, maxLibraryUploadBody, &body) {
		return
	}
	if err := body.Vehicle.Check(); err != nil || body.Version < 0 {
		writeError(w, http.StatusBadRequest, "vehicle must be a vehicle id (the system id on the default network) and version 0 (latest) or a version number")
		return
	}
	name := r.PathValue("name")
	p, err := s.libraryPlan(name, body.Version)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	s.uploadPlan(w, r, body.Vehicle, p, uploadSource{plan: name, version: p.Meta.Revision})
}

// flownPlanName is the library plan that keeps the plans uploaded to a
// vehicle from outside the library.
func flownPlanName(id telemetry.VehicleID) string { return fmt.Sprintf("vehicle %d uploads", id) }

// flownVersion says which library version a plan uploaded from outside the
// library (the editor, a corridor leg, a file through the API or the CLI)
// is, storing it when it is none, so that replay draws and evidence
// packages hold the plan each drone flew. A plan that names a library
// version (a .plan the library wrote) and matches it by meaning
// (missions.Plan.Diff) is that version; any other is stored as a new
// version of flownPlanName(id), unless that plan's latest version is the
// same plan.
func (s *Server) flownVersion(id telemetry.VehicleID, user string, p *missions.Plan) (uploadSource, error) {
	if p.Meta.Name != "" && p.Meta.Revision > 0 {
		if lib, err := s.libraryPlan(p.Meta.Name, p.Meta.Revision); err == nil && lib.Diff(p) == "" {
			return uploadSource{plan: p.Meta.Name, version: p.Meta.Revision}, nil
		}
	}
	name := flownPlanName(id)
	next := 1
	if h, err := s.Store.PlanHistory(name); err == nil && len(h) > 0 {
		last := h[len(h)-1]
		if !last.Deleted {
			if lib, err := s.libraryPlan(name, last.Version); err == nil && lib.Diff(p) == "" {
				return uploadSource{plan: name, version: last.Version}, nil
			}
		}
		next = last.Version + 1
	}
	comment := fmt.Sprintf("uploaded to vehicle %d by %s", id, user)
	if p.Meta.Name != "" {
		comment += fmt.Sprintf(" (from plan %q revision %d, changed)", p.Meta.Name, p.Meta.Revision)
	}
	c := p.Clone()
	c.Meta = missions.Meta{Name: name, Author: user, CreatedAt: time.Now().UTC(), Revision: next, Comment: comment}
	data, err := missions.WriteQGCPlan(c)
	if err != nil {
		return uploadSource{}, err
	}
	v, err := s.Store.SavePlan(store.PlanVersion{Name: name, Author: user, Time: c.Meta.CreatedAt, ContentType: planStoredType, Comment: comment, Data: data})
	if err != nil {
		return uploadSource{}, err
	}
	return uploadSource{plan: name, version: v}, nil
}
