// Picking a point on the map: the next map click answers a pending
// request (go-to, send a drone to a point) instead of selecting a drone.
import { signal } from "@preact/signals";

// pointRequest: {prompt, resolve} while the next map click picks a point.
export const pointRequest = signal(null);

// pickPoint asks the operator to click the map; answers {lat, lng} or null (Escape).
export function pickPoint(prompt) {
  if (pointRequest.value) pointRequest.value.resolve(null);
  return new Promise((resolve) => {
    pointRequest.value = { prompt, resolve };
  });
}

export function cancelPick() {
  const r = pointRequest.value;
  if (r) {
    pointRequest.value = null;
    r.resolve(null);
  }
}

