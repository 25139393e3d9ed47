// Every text of the widget itself (the bot's words come from the text store through Rasa).
// The web app sends the live texts (editors' edits included) in /api/widget/config as `strings`;
// the shipped ones (bot/texts/widget_strings.json, the text store's base) are bundled for when that
// answer does not come. Dutch at B1 level with "u"; English for the interface language "en".
// {name} is filled in.
import SHIPPED from "../../bot/texts/widget_strings.json";

export const STRINGS = SHIPPED;

export function strings(lang, live = {}) {
  const server = live && typeof live === "object" ? live : {};
  const pick = (code) => ({ ...(STRINGS[code] || {}), ...(server[code] || {}) });
  const table = pick(STRINGS[lang] ? lang : "nl");
  const dutch = pick("nl");
  return (key, values = {}) =>
    String(table[key] ?? dutch[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}
