// Bundles src/ into dist/ (ignored by git, embedded by web/ui/embed.go).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

// Keep dist/.gitkeep: the Go embed directive needs the folder to exist.
mkdirSync("dist", { recursive: true });
for (const f of readdirSync("dist")) {
  if (f !== ".gitkeep") rmSync(`dist/${f}`, { recursive: true, force: true });
}

await esbuild.build({
  entryPoints: ["src/main.js", "src/style.css"],
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["es2020"],
  outdir: "dist",
  loader: { ".png": "dataurl", ".svg": "dataurl" },
  logLevel: "warning",
});
copyFileSync("src/index.html", "dist/index.html");
copyFileSync("src/favicon.svg", "dist/favicon.svg");
// Natural Earth land and countries (world-atlas, TopoJSON) for the demo's
// basemap: the Go binary embeds dist/, and `borderwatch demo` tiles them
// under its sketch of Nogales (basemap.BuildDemo).
mkdirSync("dist/world-atlas", { recursive: true });
for (const f of ["land-50m.json", "countries-50m.json"]) {
  copyFileSync(`node_modules/world-atlas/${f}`, `dist/world-atlas/${f}`);
}
console.log("ui: built dist/");
