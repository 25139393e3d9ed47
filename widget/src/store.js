// What the widget remembers for this browser tab: sessionStorage only (no cookies, nothing after the
// tab closes). Falls back to memory when storage is blocked, so the chat still works.

const PREFIX = "naast.";

function storage() {
  try {
    const s = window.sessionStorage;
    s.setItem(PREFIX + "probe", "1");
    s.removeItem(PREFIX + "probe");
    return s;
  } catch {
    const memory = new Map();
    return {
      getItem: (k) => (memory.has(k) ? memory.get(k) : null),
      setItem: (k, v) => memory.set(k, String(v)),
      removeItem: (k) => memory.delete(k),
    };
  }
}

export function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Store {
  constructor() {
    this.s = storage();
  }

  get(key, fallback) {
    try {
      const raw = this.s.getItem(PREFIX + key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  }

  set(key, value) {
    try {
      this.s.setItem(PREFIX + key, JSON.stringify(value));
    } catch {
      /* storage full or blocked: the conversation goes on, it just won't survive a reload */
    }
  }

  remove(key) {
    this.s.removeItem(PREFIX + key);
  }

  /** The conversation id (Rasa's sender id / socket.io session id), made once per tab. */
  session() {
    let id = this.get("session", null);
    if (!id) {
      id = newSessionId();
      this.set("session", id);
    }
    return id;
  }

  /** Take the conversation id (and its wipe token) the web app handed out, unless this tab has one. */
  adopt(conversation) {
    if (this.get("session", null) || !conversation || !conversation.sender) return;
    this.set("session", String(conversation.sender));
    this.set("wipeToken", String(conversation.token || ""));
  }

  /** The token that lets this tab wipe its conversation on the server ("" when it has none). */
  wipeToken() {
    return this.get("wipeToken", "");
  }

  /** Forget everything about this conversation (the "wis dit gesprek" button). */
  clear() {
    for (const key of ["session", "wipeToken", "history", "outbox", "open", "started"]) this.remove(key);
  }
}
