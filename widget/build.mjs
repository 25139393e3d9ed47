// Builds Naast's chat widget: widget/src/*.js + socket.io-client → bot/web/static/widget/naast-widget.js.
// Run with `npm ci --prefix widget && npm run --prefix widget build` (or `make widget`). The built
// file is committed, so `make run` needs no Node.js; nothing is fetched by the browser at run time.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
// `node build.mjs --outdir DIR` builds elsewhere (the tests check that the committed file is current).
const flag = process.argv.indexOf("--outdir");
const outdir = flag > 0 ? process.argv[flag + 1] : path.join(here, "..", "bot", "web", "static", "widget");
const out = path.join(outdir, "naast-widget.js");

await build({
  entryPoints: [path.join(here, "src", "index.js")],
  outfile: out,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2019", "chrome80", "firefox78", "safari13"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "info",
});
