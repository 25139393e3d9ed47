// Turns the bot's text into safe DOM: plain text nodes, with web addresses and phone numbers as
// links. Never innerHTML: nothing in a message can become markup.

const PATTERN = new RegExp(
  [
    String.raw`(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'])`, // a full web address
    String.raw`\b((?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:nl|com|org|eu)(?:\/[^\s<>"]*[^\s<>".,;:!?)'])?)\b`, // 113.nl
    String.raw`(\b(?:0800|0900)-\d{4}\b|\b0\d{2,3}-\d{3,4} ?\d{3,4}\b|\b14 ?0\d{2,3}\b|\b11[23]\b)`, // phone numbers
  ].join("|"),
  "gi",
);

const SHORT_URL = 60;

/** A long address (a sealed summary link) is shown shortened; the link itself is whole. */
export function shortUrl(url) {
  if (url.length <= SHORT_URL) return url;
  try {
    const parts = new URL(url);
    const path = parts.pathname.split("/").filter(Boolean)[0];
    return `${parts.host}/${path ? path + "/" : ""}…`;
  } catch {
    return url.slice(0, SHORT_URL) + "…";
  }
}

export function telHref(phone) {
  return "tel:" + String(phone).replace(/[^\d+]/g, "");
}

/** A fragment with `text` as text nodes and links; `linkify` false keeps it all plain text. */
export function richText(text, linkify = true) {
  const fragment = document.createDocumentFragment();
  if (!linkify) {
    fragment.append(text);
    return fragment;
  }
  let last = 0;
  for (const match of text.matchAll(PATTERN)) {
    const [whole, url, domain, phone] = match;
    if (match.index > last) fragment.append(text.slice(last, match.index));
    const a = document.createElement("a");
    a.textContent = url ? shortUrl(whole) : whole;
    if (url) a.href = url;
    else if (domain) a.href = "https://" + domain;
    else a.href = telHref(phone);
    if (url || domain) a.rel = "noopener noreferrer";
    fragment.append(a);
    last = match.index + whole.length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  return fragment;
}

/** WCAG contrast ratio of two "#rgb"/"#rrggbb" colours; NaN when one is not such a colour. */
export function contrast(a, b) {
  const lum = (hex) => {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex).trim());
    if (!m) return NaN;
    const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
    const [r, g, b2] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
    const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b2);
  };
  const [la, lb] = [lum(a), lum(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
