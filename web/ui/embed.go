// Package ui embeds the browser UI's build (web/ui/dist, made by esbuild from
// web/ui/src; see the Makefile). A checkout that has not built it embeds only
// the placeholder file, and the web package then serves a page saying so.
package ui

import "embed"

// Dist is the built UI under "dist".
//
//go:embed all:dist
var Dist embed.FS
