package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/borderwatch/borderwatch/missions"
)

// Plan tools that keep nothing: validate a plan and convert it between
// formats. The plan editor calls validate as the plan is edited.

// PlanValidation answers POST /api/v1/plans/validate. Each problem names its
// list (0 mission, 1 fence, 2 rally) and 1-based index, the mission item a
// leg ends at for a leg's problem, so the map can highlight it.
type PlanValidation struct {
	Valid    bool              `json:"valid"`
	Errors   int               `json:"errors"`
	Warnings int               `json:"warnings"`
	Problems missions.Problems `json:"problems"`
	Counts   PlanCounts        `json:"counts"`
	// BorderChecked says whether the legs were checked against a border
	// layer of the server, and at which distance.
	BorderChecked bool    `json:"border_checked"`
	MinBorderM    float64 `json:"min_border_m,omitempty"`
}

// floatParam reads an optional non-negative number.
func floatParam(r *http.Request, name string) (float64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1e7 {
		return 0, fmt.Errorf("%s must be a number of metres 0-10000000, got %q", name, v)
	}
	return f, nil
}

// handlePlanValidate: POST /api/v1/plans/validate[?format=F][&firmware=ardupilot|px4]
// [&max_alt_m=M][&min_border_m=M] with a plan in any format.
func (s *Server) handlePlanValidate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var lim missions.Limits
	var err error
	if lim.MaxAltM, err = floatParam(r, "max_alt_m"); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	minBorder, err := floatParam(r, "min_border_m")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fw := q.Get("firmware")
	if fw != "" && fw != "ardupilot" && fw != "px4" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("firmware is %q, want ardupilot or px4", fw))
		return
	}
	p, ok := readPlanRequest(w, r)
	if !ok {
		return
	}
	if fw != "" {
		p.Vehicle.FirmwareType = firmwareOf(fw)
	}
	probs := nonNil(s.planChecks(p, lim, minBorder))
	out := PlanValidation{Problems: probs, Counts: countPlan(p)}
	out.Errors = len(probs.Errors())
	out.Warnings = len(probs) - out.Errors
	out.Valid = out.Errors == 0
	if s.borderIndex() != nil {
		out.BorderChecked, out.MinBorderM = true, max(minBorder, crossingDistM)
	}
	writeJSON(w, http.StatusOK, out)
}

// handlePlanConvert: POST /api/v1/plans/convert?to=F[&format=F][&list=L]
// with a plan in any format answers it in format to (json is the plan
// model: the plan editor imports a file this way, and exports its plan by
// sending the model with ?format=json&to=kml).
func (s *Server) handlePlanConvert(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to == "" {
		writeError(w, http.StatusBadRequest, "say which format to convert to with ?to=plan|wpl|fence-list|rally-list|geojson|kml|json")
		return
	}
	f, err := parsePlanFormat(to)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p, ok := readPlanRequest(w, r)
	if !ok {
		return
	}
	name := p.Meta.Name
	if name == "" {
		name = "plan"
	}
	answerPlanFile(w, r, p, f, name)
}
