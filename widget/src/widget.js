// The chat window: builds the DOM (in a shadow root, so the municipality's CSS and ours stay apart),
// shows messages, and ties the resident's actions to the connection and the stored conversation.
import { Connection } from "./connection.js";
import { Store } from "./store.js";
import { strings } from "./strings.js";
import { richText, telHref } from "./text.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "hidden") node.hidden = true;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

let counter = 0;
const uid = () => `${Date.now().toString(36)}-${(counter += 1)}`;

export class Widget {
  /**
   * @param {HTMLElement} host  the element that gets the shadow root
   * @param {object} config     the merged configuration (see index.js)
   */
  constructor(host, config) {
    this.host = host;
    this.config = config;
    this.page = config.mode === "page";
    this.t = strings(config.lang, config.strings);
    this.store = new Store();
    this.store.adopt(config.conversation); // an id from the web app, with the token to wipe it there
    this.connection = null;
    this.typingTimer = null;
  }

  mount() {
    const { config, t } = this;
    const vars = { municipality: config.municipality, phone: config.phone };
    this.host.setAttribute("lang", config.lang);
    this.host.classList.add("naast-host");
    // CSS custom properties through the CSSOM: allowed by a strict CSP (no inline style attribute).
    this.host.style.setProperty("--naast-brand", config.colors.brand);
    this.host.style.setProperty("--naast-brand-text", config.colors.brandText);
    const root = this.host.attachShadow({ mode: "open" });

    const link = el("link", { rel: "stylesheet", href: config.cssUrl });
    const frame = el("div", {
      class: `naast naast-${this.page ? "page" : "launcher-mode"} naast-${config.position}`,
      lang: config.lang,
      hidden: true,
    });
    link.addEventListener("load", () => (frame.hidden = false));
    link.addEventListener("error", () => (frame.hidden = false)); // unstyled, but usable
    root.append(link, frame);

    this.launcher = this.page
      ? null
      : el(
          "button",
          { type: "button", class: "naast-launcher", "aria-expanded": "false", "aria-controls": "naast-panel" },
          chatIcon(),
          el("span", { text: config.launcherText || t("launcher", vars) }),
        );

    const title = config.title || t("title", vars);
    this.log = el("div", { class: "naast-log", role: "log", "aria-label": t("log"), tabindex: "0" });
    this.typing = el("p", { class: "naast-typing", role: "status" });
    this.status = el("div", { class: "naast-status", role: "status" });
    this.input = el("textarea", {
      id: "naast-input",
      name: "message",
      rows: "2",
      autocomplete: "off",
      "aria-describedby": "naast-error naast-hint",
    });
    this.error = el("p", { class: "naast-error", id: "naast-error", "aria-live": "assertive" });
    this.count = el("span", { class: "naast-count" });
    this.form = el(
      "form",
      { class: "naast-form", novalidate: true },
      el("label", { for: "naast-input", text: t("inputLabel") }),
      el(
        "div",
        { class: "naast-row" },
        this.input,
        el("button", { type: "submit", class: "naast-send", text: t("send") }),
      ),
      this.error,
      el("p", { class: "naast-hint", id: "naast-hint" }, t("hint"), " ", this.count),
    );
    this.clearButton = el("button", { type: "button", class: "naast-link-button naast-clear", text: t("clear") });
    this.confirm = el(
      "div",
      { class: "naast-confirm", role: "group", "aria-labelledby": "naast-confirm-text", hidden: true },
      el("p", { id: "naast-confirm-text", text: t("clearAsk") }),
      el("button", { type: "button", class: "naast-confirm-yes", text: t("clearYes") }),
      el("button", { type: "button", class: "naast-confirm-no", text: t("clearNo") }),
    );
    const footer = el(
      "div",
      { class: "naast-footer" },
      config.privacyUrl ? el("a", { href: config.privacyUrl, text: t("privacy") }) : null,
      this.clearButton,
    );
    const header = el(
      "div",
      { class: "naast-header" },
      config.logo ? el("img", { class: "naast-logo", src: config.logo, alt: "" }) : null,
      el("h2", { class: "naast-title", id: "naast-title", text: title }),
      this.page ? null : el("button", { type: "button", class: "naast-close", text: t("close") }),
    );
    this.panel = el(
      "div",
      {
        class: "naast-panel",
        id: "naast-panel",
        role: this.page ? "region" : "dialog",
        "aria-labelledby": "naast-title",
        "aria-describedby": "naast-intro",
        hidden: !this.page,
      },
      header,
      el("p", { class: "naast-intro", id: "naast-intro", text: config.intro || t("intro", vars) }),
      this.log,
      this.typing,
      this.status,
      this.form,
      footer,
      this.confirm,
    );
    frame.append(...[this.launcher, this.panel].filter(Boolean));

    this.restore(); // fill the log before the panel shows, so old messages are not read out again
    this.bind(header);
    if (this.page || this.store.get("open", false)) this.open({ focus: false });
  }

  bind(header) {
    this.launcher?.addEventListener("click", () => this.open({ focus: true }));
    header.querySelector(".naast-close")?.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.page) {
        event.preventDefault();
        this.close();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.updateCount());
    this.clearButton.addEventListener("click", () => {
      this.confirm.hidden = false;
      this.confirm.querySelector(".naast-confirm-no").focus();
    });
    this.confirm.querySelector(".naast-confirm-no").addEventListener("click", () => {
      this.confirm.hidden = true;
      this.clearButton.focus();
    });
    this.confirm.querySelector(".naast-confirm-yes").addEventListener("click", () => this.clearConversation());
  }

  // ---------- open and close ----------

  open({ focus }) {
    this.panel.hidden = false;
    if (this.launcher) {
      this.launcher.hidden = true;
      this.launcher.setAttribute("aria-expanded", "true");
    }
    this.store.set("open", true);
    this.connect();
    this.scrollDown();
    if (focus) this.input.focus();
  }

  close() {
    if (this.page) return;
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.store.set("open", false);
    this.launcher.focus();
  }

  connect() {
    if (this.connection) return;
    this.connection = new Connection(this.config, this.store, {
      message: (msg) => this.botMessage(msg),
      status: (state, detail) => this.connectionStatus(state, detail),
      delivered: (item) => this.delivered(item),
      refused: (item, text) => this.refused(item, text),
    });
    this.connection.start();
    if (!this.store.get("started", false)) {
      this.store.set("started", true);
      this.connection.send({ id: uid(), message: this.config.greet });
      this.setTyping(true);
    }
  }

  // ---------- sending ----------

  submit() {
    const text = this.input.value.trim();
    if (!text) return this.showError(this.t("empty"));
    if (text.length > this.config.maxChars) {
      return this.showError(this.t("tooLong", { max: this.config.maxChars, count: text.length }));
    }
    this.showError("");
    this.input.value = "";
    this.updateCount();
    this.sendMessage(text, text);
  }

  sendMessage(message, shown) {
    const item = { id: uid(), message };
    this.removeChoices();
    this.remember({ who: "user", text: shown, id: item.id, state: "pending" });
    this.renderUser(shown, item.id, "pending");
    this.setTyping(true);
    this.connection.send(item);
  }

  delivered(item) {
    this.updateEntry(item.id, "sent");
    const node = this.log.querySelector(`[data-id="${item.id}"]`);
    if (node) {
      node.classList.remove("naast-pending");
      node.querySelector(".naast-note")?.remove();
    }
  }

  refused(item, text) {
    this.setTyping(false);
    this.updateEntry(item.id, "refused", text);
    const node = this.log.querySelector(`[data-id="${item.id}"]`);
    if (node) this.markRefused(node, text);
    else this.renderSystem(text || this.t("error", { phone: this.config.phone }));
  }

  showError(text) {
    this.error.textContent = text;
    if (text) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
    this.input.focus();
  }

  updateCount() {
    const { maxChars } = this.config;
    const length = this.input.value.trim().length;
    this.count.textContent = length >= maxChars * 0.8 ? this.t("left", { left: Math.max(maxChars - length, 0) }) : "";
    if (this.error.textContent && length <= maxChars) this.showError("");
  }

  // ---------- receiving ----------

  botMessage(msg) {
    if (!msg.text && !msg.buttons.length && !msg.image) return;
    this.remember({ who: "bot", text: msg.text, buttons: msg.buttons, image: msg.image });
    this.renderBot(msg, true);
    // Rasa sends a reply as several messages in a row: keep "typing" up until it goes quiet.
    this.setTyping(true);
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.setTyping(false), msg.buttons.length ? 0 : 700);
  }

  connectionStatus(state, detail) {
    const { t, config } = this;
    // A first connect has nothing to announce; keep a notice such as "Het gesprek is gewist".
    if (state === "online" && !this.status.classList.contains("naast-status-offline")) return;
    this.status.replaceChildren();
    this.status.className = "naast-status";
    if (state === "offline") {
      this.setTyping(false);
      this.status.classList.add("naast-status-offline");
      const phone = el("a", { href: telHref(config.phone), text: config.phone });
      const parts = t("offlinePhone", { phone: "\u0000" }).split("\u0000");
      this.status.append(
        el("p", { text: t("offline") }),
        el("p", {}, parts[0], phone, parts[1] || ""),
        config.phoneHours ? el("p", { text: t("hours", { hours: config.phoneHours }) }) : null,
      );
      if (detail) this.status.dataset.detail = detail;
    } else if (state === "back") {
      this.status.append(el("p", { text: t("online") }));
      if (this.connection?.outbox.length) this.setTyping(true);
    }
  }

  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.textContent = on ? this.t("typing") : "";
    this.typing.classList.toggle("naast-typing-on", on);
  }

  // ---------- the log ----------

  renderBot(msg, live) {
    const body = el("p", {}, el("span", { class: "naast-sr", text: `${this.t("bot")}: ` }));
    body.append(richText(msg.text));
    const item = el("div", { class: "naast-msg naast-msg-bot" }, body);
    if (msg.image) item.append(el("img", { src: msg.image, alt: "" }));
    if (msg.buttons && msg.buttons.length && live !== "stale") item.append(this.choices(msg.buttons));
    this.append(item);
  }

  choices(buttons) {
    const group = el("div", { class: "naast-choices", role: "group", "aria-label": this.t("choices") });
    for (const button of buttons) {
      const b = el("button", { type: "button", text: button.title });
      b.addEventListener("click", () => {
        this.sendMessage(button.payload, button.title);
        this.input.focus();
      });
      group.append(b);
    }
    return group;
  }

  removeChoices() {
    for (const group of this.log.querySelectorAll(".naast-choices")) group.remove();
  }

  renderUser(text, id, state, reason) {
    const item = el(
      "div",
      { class: "naast-msg naast-msg-user", "data-id": id },
      el("p", {}, el("span", { class: "naast-sr", text: `${this.t("you")}: ` }), richText(text, false)),
    );
    if (state === "pending") {
      item.classList.add("naast-pending");
      item.append(el("p", { class: "naast-note", text: this.t("pending") }));
    }
    if (state === "refused") this.markRefused(item, reason);
    this.append(item);
  }

  markRefused(node, text) {
    node.classList.remove("naast-pending");
    node.classList.add("naast-refused");
    node.querySelector(".naast-note")?.remove();
    node.append(el("p", { class: "naast-note", text: `${this.t("refused")} ${text || ""}`.trim() }));
  }

  renderSystem(text) {
    const body = el("p", {});
    body.append(richText(text));
    this.append(el("div", { class: "naast-msg naast-msg-system" }, body));
  }

  append(node) {
    this.log.append(node);
    this.scrollDown();
  }

  scrollDown() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ---------- memory (sessionStorage) ----------

  history() {
    return this.store.get("history", []);
  }

  remember(entry) {
    this.store.set("history", [...this.history(), entry]);
  }

  updateEntry(id, state, reason) {
    this.store.set(
      "history",
      this.history().map((e) => (e.id === id ? { ...e, state, reason } : e)),
    );
  }

  restore() {
    const entries = this.history();
    entries.forEach((entry, index) => {
      if (entry.who === "bot") {
        const last = index === entries.length - 1;
        this.renderBot({ text: entry.text, buttons: entry.buttons || [], image: entry.image }, last ? true : "stale");
      } else if (entry.who === "user") {
        this.renderUser(entry.text, entry.id, entry.state, entry.reason);
      }
    });
  }

  async clearConversation() {
    this.connection?.stop();
    this.connection = null;
    this.confirm.hidden = true;
    this.showError("");
    this.status.replaceChildren(el("p", { text: this.t("clearing") }));
    const next = await this.wipeOnServer(this.store.session(), this.store.wipeToken());
    this.store.clear();
    this.store.adopt(next);
    this.store.set("open", true);
    this.log.replaceChildren();
    const hours = String(this.config.forgetHours || 24);
    this.status.replaceChildren(el("p", { text: this.t(next ? "cleared" : "clearedHere", { hours }) }));
    this.connect();
    this.input.focus();
  }

  /** Ask the web app to delete the conversation; the next conversation's id, or null when that failed. */
  async wipeOnServer(sender, token) {
    if (!token || !this.config.wipeUrl) return null;
    try {
      const response = await fetch(this.config.wipeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, token }),
        credentials: "omit",
      });
      const data = await response.json().catch(() => ({}));
      return response.ok && data.wiped ? data.next || {} : null;
    } catch {
      return null;
    }
  }
}

function chatIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-4.5 3.5V17H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z");
  svg.append(path);
  return svg;
}
