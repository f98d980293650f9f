// page.js: the playground as the web page of `python -m autograd playground`.
//
// It loads the two modules with the page's token (every request to the server needs it),
// talks to the server over HTTP, and keeps the page's address equal to its state, so that
// the address is a link that opens the same expression, values and output:
//
//   http://127.0.0.1:PORT/?token=TOKEN#expr=tanh(x*w%20%2B%20b)&values=x:0.5,w:-3,b:2&output=v5

const token = new URL(import.meta.url).searchParams.get("token") || "";
const asset = (name) => new URL(`./${name}?token=${encodeURIComponent(token)}`, import.meta.url).href;
const [{ GraphView }, { mountPlayground }] = await Promise.all([import(asset("graph_view.js")), import(asset("playground.js"))]);

const transport = {
  async request(kind, body) {
    const response = await fetch(`api/${kind}`, {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-Autograd-Token": token } });
    let data;
    try { data = await response.json(); } catch (error) { data = { error: `the server answered ${response.status}`, column: null }; }
    return { status: response.status, data };
  },
};

// The state in the address's fragment (never sent to the server): expr, values, output.
function readAddress(hash) {
  const fields = new URLSearchParams(hash.replace(/^#/, ""));
  if (!fields.has("expr")) return null;
  const values = {};
  for (const pair of (fields.get("values") || "").split(",")) {
    const [name, text] = pair.split(":");
    if (name && text !== undefined && text !== "" && Number.isFinite(Number(text))) values[name] = Number(text);
  }
  return { expression: fields.get("expr"), values, output: fields.get("output") || null };
}

function writeAddress(state) {
  const fields = new URLSearchParams();
  fields.set("expr", state.expression);
  fields.set("values", Object.entries(state.values).map(([name, value]) => `${name}:${value}`).join(","));
  if (state.output) fields.set("output", state.output);
  return "#" + fields.toString();
}

let written = location.hash;
let initial = readAddress(location.hash);
if (!initial) {
  const response = await fetch("api/initial", { headers: { "X-Autograd-Token": token } });
  initial = await response.json();
}
const root = document.getElementById("playground");
mountPlayground(root, {
  GraphView, transport, initial, editable: true,
  onState: (state) => { written = writeAddress(state); history.replaceState(null, "", written); },
  link: () => location.href,
});
window.addEventListener("hashchange", () => { if (location.hash !== written) location.reload(); });
