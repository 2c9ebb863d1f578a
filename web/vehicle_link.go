package web

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
)

// VehicleLinkResponse answers GET /api/v1/vehicles/{id}/link.
type VehicleLinkResponse struct {
	ID     telemetry.VehicleID  `json:"id"`
	SysID  uint8                `json:"sysid"`
	LinkOK bool                 `json:"link_ok"`
	Signed bool                 `json:"signed"`
	Stats  gcs.VehicleLinkStats `json:"stats"`
	Link   *gcs.LinkStats       `json:"link,omitempty"` // the link it was last heard on
}

func (s *Server) handleVehicleLink(w http.ResponseWriter, r *http.Request) {
	v, ok := s.heardVehicle(w, r)
	if !ok {
		return
	}
	out := VehicleLinkResponse{ID: v.ID, SysID: v.SysID, LinkOK: v.LinkOK, Signed: v.Signed, Stats: v.Link}
	if ls := s.Fleet.LinkStats(); v.Link.Link < len(ls) {
		out.Link = &ls[v.Link.Link]
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLinks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Fleet.LinkStats())
}

// SigningRequest is the body of PUT /api/v1/vehicles/{id}/signing.
type SigningRequest struct {
	// KeyHex is the 32-byte key as 64 hex digits. It is never logged or echoed.
	KeyHex string `json:"key_hex"`
}

func (s *Server) handleVehicleSigningPut(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	var req SigningRequest
	if !decodeBody(w, r, maxCommandBody, &req) {
		return
	}
	raw, err := hex.DecodeString(strings.TrimSpace(req.KeyHex))
	if err != nil || len(raw) != 32 {
		writeError(w, http.StatusBadRequest, `"key_hex" must be 64 hex digits (a 32-byte key)`)
		return
	}
	var key [32]byte
	copy(key[:], raw)
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	err = s.Fleet.SetupSigning(ctx, id, key)
	s.audit(r, id, "signing_setup", "key provisioned (not recorded)", err)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sysid": id, "signed": true})
}

func (s *Server) handleVehicleSigningDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := vehicleID(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	err := s.Fleet.DisableSigning(ctx, id)
	s.audit(r, id, "signing_disable", "", err)
	if err != nil {
		writeError(w, vehicleErrorStatus(err), err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sysid": id, "signed": false})
}
