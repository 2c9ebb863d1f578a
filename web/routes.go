package web

import "net/http"

// Permission is one kind of thing a user may do. Every route needs exactly
// one; a role is a set of permissions (roles.go). Only PermPublic routes are
// reachable without logging in.
type Permission string

const (
	// PermPublic: no login (health checks, the login endpoint, the static UI).
	PermPublic Permission = "public"
	// PermWatch: see the live fleet, layers, plans, alerts and detections.
	PermWatch Permission = "watch"
	// PermPlan: edit the plan library, plan routes, validate and convert plans.
	PermPlan Permission = "plan"
	// PermCommand: command vehicles, upload plans, set parameters, acknowledge alerts.
	PermCommand Permission = "command"
	// PermReplay: list and replay sorties, export them.
	PermReplay Permission = "replay"
	// PermAudit: read the audit trail.
	PermAudit Permission = "audit"
	// PermAdmin: users, tokens, signing keys, layers, settings, /metrics.
	PermAdmin Permission = "admin"
)

// route is one row of the route table: who may call which handler.
type route struct {
	// pattern is an http.ServeMux pattern with its method ("GET /api/v1/vehicles").
	pattern string
	perm    Permission
	handler http.Handler
	// stream marks a long-lived answer (WebSocket, large download) that the
	// server's write timeout must not cut; it bounds its own writes instead.
	stream bool
}

// routeTable is every route the server serves, the one place that says who
// may call what. routes() builds the mux from it, and a test walks the mux
// to make sure no route is registered outside it.
func (s *Server) routeTable() []route {
	h := func(pattern string, perm Permission, fn http.HandlerFunc) route {
		return route{pattern: pattern, perm: perm, handler: fn}
	}
	return []route{
		h("GET /healthz", PermPublic, s.handleHealth),

		h("GET /api/v1/vehicles", PermWatch, s.handleVehicles),
		h("GET /api/v1/vehicles/{id}", PermWatch, s.handleVehicle),
		h("POST /api/v1/vehicles/{id}/commands", PermCommand, s.handleVehicleCommand),
		h("GET /api/v1/vehicles/{id}/modes", PermWatch, s.handleVehicleModes),
		h("POST /api/v1/commands", PermCommand, s.handleFleetCommand),
		h("GET /api/v1/vehicles/{id}/params", PermWatch, s.handleVehicleParams),
		h("GET /api/v1/vehicles/{id}/params/{name}", PermWatch, s.handleVehicleParam),
		h("PUT /api/v1/vehicles/{id}/params/{name}", PermCommand, s.handleVehicleParamSet),
		h("PUT /api/v1/vehicles/{id}/plan", PermCommand, s.handleVehiclePlanPut),
		h("GET /api/v1/vehicles/{id}/plan", PermWatch, s.handleVehiclePlanGet),
		h("GET /api/v1/vehicles/{id}/link", PermWatch, s.handleVehicleLink),
		h("GET /api/v1/links", PermWatch, s.handleLinks),
		h("PUT /api/v1/vehicles/{id}/signing", PermAdmin, s.handleVehicleSigningPut),
		h("DELETE /api/v1/vehicles/{id}/signing", PermAdmin, s.handleVehicleSigningDelete),

		h("GET /api/v1/layers", PermWatch, s.handleLayers),
		h("GET /api/v1/layers/{id}", PermWatch, s.handleLayer),
		h("POST /api/v1/layers", PermAdmin, s.handleLayerImport),
		h("PATCH /api/v1/layers/{id}", PermAdmin, s.handleLayerRename),
		h("DELETE /api/v1/layers/{id}", PermAdmin, s.handleLayerDelete),

		h("GET /api/v1/plans", PermWatch, s.handlePlans),
		h("POST /api/v1/plans", PermPlan, s.handlePlanCreate),
		h("POST /api/v1/plans/validate", PermPlan, s.handlePlanValidate),
		h("POST /api/v1/plans/convert", PermPlan, s.handlePlanConvert),
		h("GET /api/v1/plans/{name}", PermWatch, s.handlePlan),
		h("PUT /api/v1/plans/{name}", PermPlan, s.handlePlanUpdate),
		h("DELETE /api/v1/plans/{name}", PermPlan, s.handlePlanDelete),
		h("GET /api/v1/plans/{name}/export", PermWatch, s.handlePlanExport),
		h("GET /api/v1/plans/{name}/uploads", PermWatch, s.handlePlanUploads),
		h("POST /api/v1/plans/{name}/upload", PermCommand, s.handlePlanLibraryUpload),

		h("POST /api/v1/routes/corridor", PermPlan, s.handleRouteCorridor),
		h("POST /api/v1/routes/fence", PermPlan, s.handleRouteFence),
		h("POST /api/v1/routes/transit", PermPlan, s.handleRouteTransit),

		h("GET /api/v1/sorties", PermReplay, s.handleSorties),
		h("GET /api/v1/sorties/{id}", PermReplay, s.handleSortie),
		{pattern: "GET /api/v1/sorties/{id}/export", perm: PermReplay, handler: http.HandlerFunc(s.handleSortieExport), stream: true},
		h("GET /api/v1/detections", PermWatch, s.handleDetections),
		h("GET /api/v1/alerts", PermWatch, s.handleAlerts),
		h("POST /api/v1/alerts/{id}/ack", PermCommand, s.handleAlertAck),
		h("GET /api/v1/audit", PermAudit, s.handleAudit),

		{pattern: "GET /ws/live", perm: PermWatch, handler: http.HandlerFunc(s.handleLive), stream: true},
		{pattern: "GET /ws/replay", perm: PermReplay, handler: http.HandlerFunc(s.handleReplay), stream: true},
		{pattern: "GET /metrics", perm: PermAdmin, handler: s.metricsHandler()},

		{pattern: "/api/", perm: PermPublic, handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
		})},
		{pattern: "/", perm: PermPublic, handler: s.uiHandler()},
	}
}

// guard wraps a route's handler with its permission check. Until accounts
// exist (issue 9) it admits everyone, as the server always has; the table
// above already says what each route will require.
func (s *Server) guard(rt route) http.Handler { return rt.handler }
