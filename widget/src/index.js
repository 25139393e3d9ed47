// Naast chat widget — entry point.
//
// Embed on a municipal page with one tag (see docs/widget.md):
//   <script src="https://naast.example.nl/widget.js" defer data-title="…" data-color="#00437a"></script>
// Optional configuration object, set before the tag: window.NaastConfig = { title, intro, logo, … }.
// The full-page chat at "/" loads the same file with data-mode="page" and data-target="#naast-chat".
import { contrast } from "./text.js";
import { Widget } from "./widget.js";

const DEFAULTS = {
  mode: "launcher", // "launcher": a button that opens a chat window; "page": the chat fills `target`
  target: null, // CSS selector of the element that holds the chat in page mode
  position: "right", // "right" | "left" (launcher mode)
  lang: "nl", // interface language: "nl" | "en"
  title: "", // window title; default "Digitale hulp van <gemeente>"
  intro: "", // opening text under the title
  launcherText: "",
  logo: "", // URL of a small logo (decorative: alt="")
  colors: { brand: "#00437a", brandText: "#ffffff" },
  transport: "auto", // "auto" (socket.io, REST when that cannot connect) | "socket" | "rest"
  greet: "/greet", // what is sent when a conversation starts
  rasaUrl: "", // filled from the web app's /api/widget/config
  socketPath: "/socket.io",
  maxChars: 2000,
  phone: "14 020",
  phoneHours: "",
  privacyUrl: "",
  municipality: "de gemeente",
};

const DATA_KEYS = {
  mode: "mode",
  target: "target",
  position: "position",
  lang: "lang",
  title: "title",
  intro: "intro",
  launcherText: "launcherText",
  logo: "logo",
  transport: "transport",
  rasaUrl: "rasaUrl",
  privacyUrl: "privacyUrl",
  phone: "phone",
};

function fromScript(script) {
  const out = {};
  if (!script) return out;
  for (const [key, name] of Object.entries(DATA_KEYS)) {
    if (script.dataset[name]) out[key] = script.dataset[name];
  }
  if (script.dataset.color || script.dataset.colorText) {
    out.colors = {};
    if (script.dataset.color) out.colors.brand = script.dataset.color;
    if (script.dataset.colorText) out.colors.brandText = script.dataset.colorText;
  }
  if (script.dataset.maxChars) out.maxChars = Number(script.dataset.maxChars);
  return out;
}

function baseUrl(script) {
  if (script && script.dataset.base) return new URL(script.dataset.base, location.href).href.replace(/\/?$/, "/");
  const src = script && script.src ? script.src : new URL("/widget.js", location.href).href;
  return src.replace(/(static\/widget\/naast-widget|widget)\.js(\?.*)?$/, "");
}

async function serverConfig(base) {
  try {
    const response = await fetch(base + "api/widget/config", { credentials: "omit" });
    if (response.ok) return await response.json();
  } catch {
    /* the web app is not reachable: go on with the defaults; the connection reports the problem */
  }
  return {};
}

function safeColors(colors) {
  const fallback = DEFAULTS.colors;
  const brand = colors.brand || fallback.brand;
  const brandText = colors.brandText || fallback.brandText;
  // The brand colour is used for text on white and under white text: both need 4.5:1 (WCAG 1.4.3).
  if (contrast(brand, "#ffffff") >= 4.5 && contrast(brand, brandText) >= 4.5) return { brand, brandText };
  console.warn(`Naast widget: colour ${brand} / ${brandText} has too little contrast; using the default.`);
  return fallback;
}

async function start(script) {
  const base = baseUrl(script);
  const server = await serverConfig(base);
  const page = window.NaastConfig && typeof window.NaastConfig === "object" ? window.NaastConfig : {};
  const attrs = fromScript(script);
  const config = {
    ...DEFAULTS,
    ...server,
    ...page,
    ...attrs,
    colors: { ...DEFAULTS.colors, ...(page.colors || {}), ...(attrs.colors || {}) },
  };
  config.lang = config.lang === "en" ? "en" : "nl";
  config.position = config.position === "left" ? "left" : "right";
  config.colors = safeColors(config.colors);
  // The page may lower the length limit, never raise it above the server's.
  config.maxChars = Math.min(Number(config.maxChars) || DEFAULTS.maxChars, server.maxChars || Infinity);
  config.restUrl = base + "api/chat";
  config.wipeUrl = base + "api/conversation/wipe";
  config.cssUrl = base + "static/widget/naast-widget.css";
  if (!config.rasaUrl && config.transport !== "rest") config.transport = "rest";

  let host;
  if (config.mode === "page") {
    host = (config.target && document.querySelector(config.target)) || null;
    if (!host) {
      host = document.createElement("div");
      (script?.parentNode || document.body).insertBefore(host, script?.nextSibling || null);
    }
  } else {
    host = document.createElement("div");
    host.id = "naast-widget";
    document.body.append(host);
  }
  const widget = new Widget(host, config);
  widget.mount();
  window.Naast = { widget, open: () => widget.open({ focus: true }), close: () => widget.close() };
}

(() => {
  const script = document.currentScript;
  if (window.Naast) return; // loaded twice on one page
  window.Naast = {};
  const go = () => start(script);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go, { once: true });
  else go();
})();
