package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// maxPlanBody bounds an uploaded .plan (QGC plans of thousands of items are
// a few MB).
const maxPlanBody = 16 << 20

// planTimeout bounds an upload with its read-back over a slow link.
const planTimeout = 10 * time.Minute

// PlanUploadResponse answers PUT /api/v1/vehicles/{id}/plan.
type PlanUploadResponse struct {
	ID    telemetry.VehicleID `json:"id"`
	SysID uint8               `json:"sysid"`
	gcs.PlanReport
	// Plan and Version name the library version uploaded, when it was one.
	Plan    string `json:"plan,omitempty"`
	Version int    `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

// handleVehiclePlanPut uploads a plan in any format (by ?format= or
// Content-Type, else detected) to the vehicle; see uploadPlan.
func (s *Server) handleVehiclePlanPut(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	plan, ok := readPlanRequest(w, r)
	if !ok {
		return
	}
	s.uploadPlan(w, r, id, plan, uploadSource{})
}

func (s *Server) handleVehiclePlanGet(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), planTimeout)
	defer cancel()
	plan, err := s.Fleet.DownloadPlan(ctx, id)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	servePlanFile(w, r, plan, fmt.Sprintf("vehicle-%d", id))
}
