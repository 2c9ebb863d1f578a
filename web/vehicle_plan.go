package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
)

// maxPlanBody bounds an uploaded .plan (QGC plans of thousands of items are
// a few MB).
const maxPlanBody = 16 << 20

// planTimeout bounds an upload with its read-back over a slow link.
const planTimeout = 10 * time.Minute

// PlanUploadResponse answers PUT /api/v1/vehicles/{id}/plan.
type PlanUploadResponse struct {
	SysID uint8 `json:"sysid"`
	gcs.PlanReport
	Error string `json:"error,omitempty"`
}

func (s *Server) handleVehiclePlanPut(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("plan is larger than %d MiB", maxPlanBody>>20))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the plan: "+err.Error())
		return
	}
	plan, err := missions.ReadQGCPlan(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "not a QGroundControl .plan: "+err.Error())
		return
	}
	opt := gcs.TransferOptions{NoVerify: r.URL.Query().Get("verify") == "false"}
	ctx, cancel := context.WithTimeout(r.Context(), planTimeout)
	defer cancel()
	rep, err := s.Fleet.UploadPlan(ctx, id, plan, opt)
	s.audit(r, id, "plan_upload", fmt.Sprintf("%d mission items, %d fence polygons, %d fence circles, %d rally points, verified %v",
		len(plan.Mission), len(plan.Fence.Polygons), len(plan.Fence.Circles), len(plan.Rally), rep.Verified), err)
	out := PlanUploadResponse{SysID: id, PlanReport: rep}
	if err != nil {
		out.Error = err.Error()
		writeJSON(w, vehicleErrorStatus(err), out)
		return
	}
	writeJSON(w, http.StatusOK, out)
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
	data, err := missions.WriteQGCPlan(plan)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "writing the vehicle's plan as .plan: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vehicle-%d.plan"`, id))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}
