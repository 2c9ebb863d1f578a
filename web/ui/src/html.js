// html is htm bound to Preact's h: JSX-like templates without a build step.
// Interpolated values are text (Preact creates text nodes), never HTML.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
