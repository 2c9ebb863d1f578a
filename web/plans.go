package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// The plan library: named plans with their versions in the store. Every
// version is kept as a QGroundControl .plan (the richest format), whatever
// format it came in; GET …/export writes it in any other.

// planStoredType is the ContentType of stored plan versions.
const planStoredType = "application/vnd.qgc.plan+json"

// maxPlanComment bounds a version's comment.
const maxPlanComment = 1000

// PlanCounts is how many items each list of a plan holds.
type PlanCounts struct {
	Mission       int `json:"mission"`
	FencePolygons int `json:"fence_polygons"`
	FenceCircles  int `json:"fence_circles"`
	Rally         int `json:"rally"`
}

func countPlan(p *missions.Plan) PlanCounts {
	return PlanCounts{Mission: len(p.Mission), FencePolygons: len(p.Fence.Polygons), FenceCircles: len(p.Fence.Circles), Rally: len(p.Rally)}
}

// PlanSaved answers a create or an update: the version stored, and what
// Validate found in it (a plan with errors is stored, so that work in
// progress is never lost, but cannot be uploaded).
type PlanSaved struct {
	store.PlanVersion
	Counts   PlanCounts        `json:"counts"`
	Problems missions.Problems `json:"problems"`
}

// PlanDetail answers GET /api/v1/plans/{name}: one version as the plan model,
// and the plan's history.
type PlanDetail struct {
	store.PlanVersion
	Plan     *missions.Plan      `json:"plan"`
	Counts   PlanCounts          `json:"counts"`
	Problems missions.Problems   `json:"problems"`
	History  []store.PlanVersion `json:"history"`
}

// checkPlanName refuses names a list or a URL cannot carry sensibly.
func checkPlanName(name string) error {
	if name == "" || len(name) > 200 || strings.TrimSpace(name) != name {
		return errors.New("a plan name must be 1-200 bytes without leading or trailing spaces")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || c == '/' {
			return errors.New("a plan name must not hold control characters or '/'")
		}
	}
	return nil
}

func planVersionParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version must be a version number 1, 2 …, got %q", v)
	}
	return n, nil
}

func (s *Server) handlePlans(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	list, err := s.Store.Plans()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the plan library: "+err.Error())
		return
	}
	if list == nil {
		list = []store.PlanSummary{}
	}
	writeJSON(w, http.StatusOK, list)
}

// handlePlanCreate: POST /api/v1/plans?name=NAME[&comment=…][&format=…]
// with a plan file (any format) stores version 1 of a new plan.
func (s *Server) handlePlanCreate(w http.ResponseWriter, r *http.Request) {
	s.savePlan(w, r, r.URL.Query().Get("name"), true)
}

// handlePlanUpdate: PUT /api/v1/plans/{name}[?comment=…][&format=…][&merge=1]
// stores a new version; with merge=1 the file's lists are added to the
// latest version's (a WPL fence or rally file to a mission, say).
func (s *Server) handlePlanUpdate(w http.ResponseWriter, r *http.Request) {
	s.savePlan(w, r, r.PathValue("name"), false)
}

func (s *Server) savePlan(w http.ResponseWriter, r *http.Request, name string, create bool) {
	if !s.needStore(w) {
		return
	}
	if err := checkPlanName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error()+" (?name=…)")
		return
	}
	comment := r.URL.Query().Get("comment")
	if len(comment) > maxPlanComment {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("comment is longer than %d bytes", maxPlanComment))
		return
	}
	p, ok := readPlanRequest(w, r)
	if !ok {
		return
	}
	if !create && r.URL.Query().Get("merge") == "1" {
		base, err := s.libraryPlan(name, 0)
		if err != nil {
			writeError(w, storeErrorStatus(err), err.Error())
			return
		}
		if err := base.Merge(p); err != nil {
			writeError(w, http.StatusBadRequest, "merging into the latest version: "+err.Error())
			return
		}
		p = base
	}
	user := requestUser(r)
	p.Meta = missions.Meta{Name: name, Author: user, CreatedAt: time.Now().UTC(), Comment: comment}
	v := store.PlanVersion{Name: name, Author: user, Time: p.Meta.CreatedAt, ContentType: planStoredType, Comment: comment}
	// The version number is assigned by the store; the .plan written into
	// it carries it too, so an exported file says which version it is.
	save := s.Store.UpdatePlan
	if create {
		save = s.Store.CreatePlan
	}
	next := 1
	if !create {
		if h, err := s.Store.PlanHistory(name); err == nil && len(h) > 0 {
			next = h[len(h)-1].Version + 1
		}
	}
	p.Meta.Revision = next
	data, err := missions.WriteQGCPlan(p)
	if err == nil {
		// What is stored must read back: a file whose reader let through
		// what the .plan reader refuses is refused here, not stored.
		_, err = missions.ReadQGCPlan(data)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "the plan cannot be stored as a .plan: "+err.Error())
		return
	}
	v.Data = data
	v.Version, err = save(v)
	action := "plan_update"
	if create {
		action = "plan_create"
	}
	c := countPlan(p)
	s.auditUser(r, 0, action, fmt.Sprintf("plan %q version %d: %d mission items, %d fence polygons, %d fence circles, %d rally points",
		name, v.Version, c.Mission, c.FencePolygons, c.FenceCircles, c.Rally), err)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	v.Data = nil
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	writeJSON(w, status, PlanSaved{PlanVersion: v, Counts: c, Problems: nonNil(missions.Validate(p, missions.Limits{}))})
}

func nonNil(ps missions.Problems) missions.Problems {
	if ps == nil {
		return missions.Problems{}
	}
	return ps
}

// libraryPlan reads one version (0: the latest) of a stored plan.
func (s *Server) libraryPlan(name string, version int) (*missions.Plan, error) {
	v, err := s.Store.Plan(name, version)
	if err != nil {
		return nil, err
	}
	p, err := missions.ReadQGCPlan(v.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: plan %q version %d no longer reads: %v", store.ErrCorruptRecord, name, v.Version, err)
	}
	p.Meta.Name, p.Meta.Revision = v.Name, v.Version
	return p, nil
}

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	name := r.PathValue("name")
	version, err := planVersionParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := s.Store.Plan(name, version)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	p, err := s.libraryPlan(name, v.Version)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	h, err := s.Store.PlanHistory(name)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	v.Data = nil
	writeJSON(w, http.StatusOK, PlanDetail{PlanVersion: v, Plan: p, Counts: countPlan(p), Problems: nonNil(missions.Validate(p, missions.Limits{})), History: h})
}

// handlePlanExport: GET /api/v1/plans/{name}/export?format=F[&version=N][&list=L].
func (s *Server) handlePlanExport(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	name := r.PathValue("name")
	version, err := planVersionParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p, err := s.libraryPlan(name, version)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	servePlanFile(w, r, p, fmt.Sprintf("%s-v%d", name, p.Meta.Revision))
}

// PlanDeleted answers DELETE /api/v1/plans/{name}.
type PlanDeleted struct {
	Deleted  string `json:"deleted"`
	Versions int    `json:"versions"`
}

func (s *Server) handlePlanDelete(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	name := r.PathValue("name")
	h, err := s.Store.PlanHistory(name)
	if err == nil {
		err = s.Store.DeletePlan(name)
	}
	s.auditUser(r, 0, "plan_delete", fmt.Sprintf("plan %q (%d versions)", name, len(h)), err)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, PlanDeleted{Deleted: name, Versions: len(h)})
}

// handlePlanUploads: GET /api/v1/plans/{name}/uploads[?vehicle=N] lists
// which versions of the plan went to which vehicles, by whom.
func (s *Server) handlePlanUploads(w http.ResponseWriter, r *http.Request) {
	if !s.needStore(w) {
		return
	}
	vs, err := parseVehicles(r, "vehicle")
	if err != nil || len(vs) > 1 {
		writeError(w, http.StatusBadRequest, "vehicle must be one vehicle id")
		return
	}
	var id telemetry.VehicleID
	if len(vs) == 1 {
		id = vs[0]
	}
	out, err := s.Store.PlanUploads(r.PathValue("name"), id)
	if err != nil {
		writeError(w, storeErrorStatus(err), err.Error())
		return
	}
	if out == nil {
		out = []store.PlanUpload{}
	}
	writeJSON(w, http.StatusOK, out)
}
