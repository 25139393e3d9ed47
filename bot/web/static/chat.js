// Naast full-page chat: talks to the web app's /api/chat (which forwards to Rasa's REST channel).
// No third-party code; the conversation id lives in sessionStorage so a reload continues it.
(() => {
  "use strict";
  const section = document.querySelector(".chat");
  const log = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  const maxChars = Number(section.dataset.maxChars);
  const KEY = "naast.sender";
  const HISTORY = "naast.history";

  function newSender() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  let sender = sessionStorage.getItem(KEY) || newSender();
  sessionStorage.setItem(KEY, sender);

  function history() {
    try { return JSON.parse(sessionStorage.getItem(HISTORY) || "[]"); } catch { return []; }
  }
  function remember(entry) {
    const all = history();
    all.push(entry);
    sessionStorage.setItem(HISTORY, JSON.stringify(all));
  }

  function addMessage(who, text, buttons, store = true) {
    const item = document.createElement("div");
    item.className = `message message-${who}`;
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who === "bot" ? "Naast: " : "U: ";
    item.appendChild(label);
    // textContent keeps the resident's and the bot's words as text (never as HTML).
    const body = document.createElement("p");
    body.textContent = text;
    item.appendChild(body);
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Kies een antwoord");
      for (const button of buttons) {
        const el = document.createElement("button");
        el.type = "button";
        el.textContent = button.title;
        el.addEventListener("click", () => send(button.payload, button.title));
        group.appendChild(el);
      }
      item.appendChild(group);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (store) remember({ who, text, buttons: buttons || [] });
  }

  async function send(message, shown) {
    status.textContent = "Naast typt…";
    if (shown !== null) addMessage("user", shown ?? message);
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message }),
      });
      const data = await response.json();
      if (!response.ok) {
        addMessage("bot", data.error || "Er ging iets mis.");
        return false;
      }
      for (const m of data.messages) addMessage("bot", m.text || "", m.buttons);
      return true;
    } catch {
      addMessage("bot", `Het lukt nu even niet. Probeer het zo opnieuw, of bel ${section.dataset.phone}.`);
      return false;
    } finally {
      status.textContent = "";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "Uw bericht is leeg. Typ eerst iets."; return; }
    if (text.length > maxChars) { status.textContent = `Uw bericht is te lang. Het mag ${maxChars} tekens zijn.`; return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("clear").addEventListener("click", () => {
    sessionStorage.removeItem(HISTORY);
    sender = newSender();
    sessionStorage.setItem(KEY, sender);
    log.replaceChildren();
    send("/greet", null);
  });

  const past = history();
  if (past.length) {
    for (const m of past) addMessage(m.who, m.text, m.buttons, false);
  } else {
    send("/greet", null);
  }
})();
