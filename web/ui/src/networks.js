// The server's MAVLink networks (GET /api/v1/networks), so that lists show a
// vehicle's network where there is more than one. Names come from link URLs
// and imports: they reach the page as text only.
import { signal, computed } from "@preact/signals";
import { api } from "./api.js";
import { vehicles } from "./state.js";

export const networks = signal([]);

// loadNetworks asks the server for its networks; an error keeps what was known
// (the vehicles' own network fields still tell).
export async function loadNetworks() {
  try {
    const list = await api("GET", "/api/v1/networks");
    if (Array.isArray(list)) networks.value = list;
  } catch {
    /* the vehicles' network fields are enough to go on */
  }
}

// networkName shows a network's name; the default network has none.
export function networkName(name) {
  return name || "default";
}

// manyNetworks: the server has links on more than one network, or the
// vehicles shown (live or replayed) are on more than one.
export const manyNetworks = computed(() => {
  const linked = networks.value.filter((n) => (n.links && n.links.length > 0) || n.vehicles > 0).length;
  if (linked > 1) return true;
  const seen = new Set();
  for (const v of vehicles.value.values()) {
    seen.add(v.network || "");
    if (seen.size > 1) return true;
  }
  return false;
});
