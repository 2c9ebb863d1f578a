package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/borderwatch/borderwatch/basemap"
)

// borderwatch basemap build: the agency's GIS layers become an offline
// vector basemap (PMTiles) that `serve --basemap` serves. The work is in
// package basemap.

var basemapSubcommands []command

func init() {
	register(command{
		name:        "basemap",
		summary:     "Build an offline vector basemap (PMTiles) from GeoJSON/KML layers.",
		usage:       "SUBCOMMAND [flags] [arguments]",
		subcommands: true,
		flags: func(*flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				return runGroup(ctx, e, "basemap", "Offline vector basemaps (PMTiles v3) from the agency's own layers.", basemapSubcommands, args)
			}
		},
	})
	basemapSubcommands = []command{
		{name: "build", summary: "Tile GeoJSON/KML layers into a PMTiles vector basemap for serve --basemap.",
			usage: "--layer KIND:FILE [--layer KIND:FILE …] -o FILE.pmtiles [--max-zoom 14] [--background-max-zoom 7]", flags: basemapBuildFlags},
	}
}

func basemapBuildFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var layers stringList
	fs.Var(&layers, "layer", "KIND:FILE, repeatable; FILE is GeoJSON or KML; KIND is one of "+
		"land, countries, water, sectors, rivers, roads, borders, settlements, checkpoints (the UI styles by kind)")
	out := fs.String("o", "", "the PMTiles file to write (replaced atomically)")
	minZoom := fs.Uint("min-zoom", 0, "lowest zoom to make")
	maxZoom := fs.Uint("max-zoom", 14, "highest zoom for the detail kinds (at most 16)")
	bgZoom := fs.Uint("background-max-zoom", 7, "highest zoom at which land and countries make tiles on their own; deeper they appear only in tiles a detail layer makes")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q (layers go in --layer KIND:FILE)", args)
		}
		if *out == "" {
			return errors.New("give -o FILE.pmtiles")
		}
		if *maxZoom > 16 || *bgZoom > 16 || *minZoom > 16 {
			return fmt.Errorf("zooms must be at most 16")
		}
		st, err := basemap.BuildFile(layers, basemap.Options{MinZoom: uint8(*minZoom), MaxZoom: uint8(*maxZoom), BackgroundMaxZoom: uint8(*bgZoom)}, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %d features in %d tiles, %d bytes\n", *out, st.Features, st.Tiles, st.Bytes)
		return nil
	}
}
