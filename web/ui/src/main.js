// Borderwatch browser UI: mounts the App (src/app.js) into the page.
import { h, render } from "preact";
import { App } from "./app.js";
import { checkSession } from "./session.js";

render(h(App, null), document.getElementById("app"));
checkSession();
