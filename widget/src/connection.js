// The line to Rasa: socket.io (Rasa's socketio channel, session persistence on) and, where that
// cannot connect at all (websockets and polling blocked), the web app's REST proxy /api/chat.
//
// Everything the resident sends goes through the outbox first. The outbox lives in sessionStorage,
// so a lost connection or a reload loses nothing: it is sent, in order, when the line is back.
import { io } from "socket.io-client";

const SOCKET_GIVE_UP_AFTER = 2; // failed first connects before we use REST for this page

export class Connection {
  /**
   * @param {object} config  rasaUrl, socketPath, restUrl, transport ("auto" | "socket" | "rest")
   * @param {import("./store.js").Store} store
   * @param {object} on  handlers: message(msg), status(state, detail), delivered(item), refused(item, text)
   */
  constructor(config, store, on) {
    this.config = config;
    this.store = store;
    this.on = on;
    this.mode = config.transport === "rest" ? "rest" : "socket";
    this.socket = null;
    this.ready = false;
    this.everConnected = false;
    this.failures = 0;
    this.retryDelay = 2000;
    this.retryTimer = null;
    this.flushing = false;
  }

  get outbox() {
    return this.store.get("outbox", []);
  }

  set outbox(items) {
    this.store.set("outbox", items);
  }

  start() {
    if (this.mode === "socket") this.openSocket();
    else this.useRest();
  }

  stop() {
    clearTimeout(this.retryTimer);
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.disconnect();
      this.socket = null;
    }
    this.ready = false;
  }

  /** Queue a message (`message` is what Rasa gets: text or a "/intent" payload) and try to send it. */
  send(item) {
    this.outbox = [...this.outbox, item];
    this.flush();
  }

  // ---------- socket.io ----------

  openSocket() {
    const socket = io(this.config.rasaUrl, {
      path: this.config.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      timeout: 10000,
      withCredentials: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.on("connect", () => {
      socket.emit("session_request", { session_id: this.store.session() });
    });
    socket.on("session_confirm", () => {
      this.ready = true;
      this.failures = 0;
      const wasOffline = this.everConnected;
      this.everConnected = true;
      this.on.status(wasOffline ? "back" : "online");
      this.flush();
    });
    socket.on("bot_uttered", (data) => this.on.message(normalise(data)));
    socket.on("disconnect", (reason) => {
      this.ready = false;
      if (reason === "io client disconnect") return;
      this.on.status("offline");
      // The server closed us on purpose (e.g. a restart): socket.io does not retry by itself then.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => {
      this.failures += 1;
      if (!this.everConnected && this.config.transport === "auto" && this.failures >= SOCKET_GIVE_UP_AFTER) {
        this.stop();
        this.useRest();
        return;
      }
      if (this.everConnected || this.failures >= SOCKET_GIVE_UP_AFTER) this.on.status("offline");
    });
  }

  // ---------- REST fallback ----------

  useRest() {
    this.mode = "rest";
    this.ready = true;
    this.on.status("online");
    this.flush();
  }

  async flush() {
    if (this.flushing || !this.ready) return;
    this.flushing = true;
    try {
      while (this.ready && this.outbox.length) {
        const [item] = this.outbox;
        const outcome = this.mode === "socket" ? this.emit(item) : await this.post(item);
        if (outcome === "retry") break;
        this.outbox = this.outbox.filter((i) => i.id !== item.id);
      }
    } finally {
      this.flushing = false;
    }
  }

  emit(item) {
    if (!this.socket || !this.socket.connected) return "retry";
    this.socket.emit("user_uttered", {
      message: item.message,
      session_id: this.store.session(),
      customData: { client: "naast-widget" },
    });
    this.on.delivered(item);
    return "sent";
  }

  async post(item) {
    let response;
    let data = {};
    try {
      response = await fetch(this.config.restUrl, {
        method: "POST",
        // The outbox id goes along, so a message sent again after an error is handled once (the web
        // app keeps its first attempt); the header lets a proxy send one conversation to one web app.
        headers: { "Content-Type": "application/json", "X-Naast-Sender": this.store.session() },
        body: JSON.stringify({ sender: this.store.session(), message: item.message, message_id: item.id }),
        credentials: "omit",
      });
      data = await response.json().catch(() => ({}));
    } catch {
      return this.retryLater();
    }
    if (response.status >= 500) return this.retryLater(data.error);
    if (!response.ok) {
      // The server refused this message (too long, empty, bad id): say why, do not send it again.
      this.on.refused(item, data.error);
      return "refused";
    }
    const wasOffline = this.retryDelay > 2000;
    this.retryDelay = 2000;
    if (wasOffline) this.on.status("back");
    this.on.delivered(item);
    for (const message of data.messages || []) this.on.message(normalise(message));
    return "sent";
  }

  retryLater(detail) {
    this.on.status("offline", detail);
    this.ready = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.ready = true;
      this.flush();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
    return "retry";
  }
}

/** Rasa's socketio and REST channels shape buttons differently; the widget wants one shape. */
export function normalise(data) {
  const raw = data || {};
  const buttons = (raw.buttons || raw.quick_replies || [])
    .filter((b) => b && b.title)
    .map((b) => ({ title: String(b.title), payload: String(b.payload ?? b.title) }));
  let image = raw.image || null;
  if (!image && raw.attachment && raw.attachment.type === "image") image = raw.attachment.payload?.src || null;
  return { text: typeof raw.text === "string" ? raw.text : "", buttons, image };
}
