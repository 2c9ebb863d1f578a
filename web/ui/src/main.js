// Borderwatch browser UI: mounts the App (src/app.js) into the page.
import { h, render } from "preact";
import { App } from "./app.js";
import { checkSession } from "./session.js";
// A headquarters' map of its stations' fleets (empty on a station).
import "./map/stations.js";

render(h(App, null), document.getElementById("app"));
checkSession();
