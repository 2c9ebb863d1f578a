// pollWhileWatching runs fetch every pollMs while someone who may watch is
// logged in, and stops (calling stop) at logout. A 503 means the server has
// no such feature (not a headquarters, no TAK input): it asks again only
// every idleMs, and onUnavailable is told; 401/403 are the login's business.
import { effect } from "@preact/signals";
import { user, can } from "../state.js";

export function pollWhileWatching(name, { pollMs, idleMs, fetch, onUnavailable = () => {}, onError = () => {}, stop }) {
  let timer = null;
  async function poll() {
    timer = null;
    if (!user.value) return;
    let wait = pollMs;
    try {
      await fetch();
    } catch (err) {
      if (err.status === 503) {
        onUnavailable();
        wait = idleMs;
      } else if (err.status !== 401 && err.status !== 403) console.warn(`${name}: ${err.message}`);
      onError();
    }
    if (user.value && timer === null) timer = setTimeout(poll, wait);
  }
  effect(() => {
    const u = user.value;
    if (u && can("watch")) {
      if (timer === null) timer = setTimeout(poll, 0);
    } else {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      stop();
    }
  });
}
