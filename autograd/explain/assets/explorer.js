// explorer.js: the graph explorer, a whole graph grouped by module, laid out in the page.
//
// explorer.html puts this file in one <script type="module"> after graph_view.js (whose class
// GraphView it uses) and after Viz.js (the global `Viz`: Graphviz compiled to WebAssembly).
// The graph is the JSON of `graph_payload` (autograd/explain/explorer.py), in the page:
//
//   nodes   columns, one entry per value, inputs before the values made from them:
//           op ("" for a leaf), label, scope (index into scopes, -1: outside every module),
//           data, grad (numbers, or for a tensor a summary text; "nan"/"inf" as strings),
//           parents (indices), shape (tensors only, else null), flow (per parent the gradient
//           this value sent into it in one backward pass; null when not known)
//   scopes  path, title, kind, parent, depth, size, ops, param_count, params, grad_norm
//   open    the scopes open at first (as draw_dot(root, group="module", collapse=1) opens them)
//
// What the page does, step by step:
//
// 1. It keeps a set of *open* scopes. Each value is drawn as the outermost *folded* scope
//    around it, or as itself when every scope around it is open (`boxOf`, the same rule as
//    ModuleTree.box_of of autograd/explain/grouping.py).
// 2. For the current set it writes DOT: a value's box as draw_dot draws it (a table of label,
//    data and grad, and an oval for the operation that made it), an open scope as a cluster
//    titled with its title, a folded scope as one box saying what it holds. Edges join
//    different boxes; all the values that cross from one box into another share one edge.
// 3. Viz.js lays it out; the SVG is tagged as GraphView expects (data-node, data-op,
//    data-edge, data-cluster) and shown. Clicking a folded box opens it, clicking an open
//    module's frame folds it, and each change draws the view again.
// 4. The "gradient flow" view draws the same boxes with each edge pointing from a value to
//    its input, carrying the gradient sent along it (summed over the values of a bundle).
//
// Every number shown is the payload's, which is the graph's .data and .grad: the box shows it
// rounded, its data-value attribute and the hover panel exactly.

const LABELLED_BUNDLES = 60;   // label bundles ("16 values") only when there are at most this many
const LABELLED_FLOWS = 400;    // in the flow view, write each edge's gradient when there are at most this many edges
const SLOW_LAYOUT = 2500;      // Graphviz nodes past which the page asks before laying out (see expectedSeconds)
const QUICKER_FROM = 500;      // Graphviz nodes past which the layout trades some tidiness for time (QUICKER)
// Fewer rounds of network simplex (the x and y placement) and of crossing reduction: measured on
// the demo's open neuron of layers.0 (1,224 boxes), 1.5 s -> 1.05 s in Node, and the drawing stays
// readable. (splines=line or searchsize did not help; a neuron of layers.1, 6,500 boxes, takes
// 80-95 s either way.)
const QUICKER = "nslimit=1 nslimit1=1 mclimit=0.1";
const SEARCH_SHOWN = 30;       // matches listed under the search box

// --- numbers as text ------------------------------------------------------------------------

// Python's format(x, ".4g") (what draw_dot writes): 4 significant digits, trailing zeros dropped,
// exponent notation below 1e-4 and from 1e4 on.
function formatG(x, digits = 4) {
  if (typeof x === "string") return x;  // "nan", "inf" or a tensor's summary, as Python wrote it
  if (x === null || x === undefined) return "—";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  const rounded = Number(x.toPrecision(digits));
  const e = rounded === 0 ? exponent : Math.floor(Math.log10(Math.abs(rounded)));
  if (e < -4 || e >= digits) {
    const [mantissa, power] = rounded.toExponential(digits - 1).split("e");
    const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
    const p = Number(power);
    return `${m}e${p < 0 ? "-" : "+"}${String(Math.abs(p)).padStart(2, "0")}`;
  }
  const fixed = rounded.toFixed(Math.max(digits - 1 - e, 0));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

// The exact number, as the payload holds it (the shortest text that reads back as the same float).
function exact(x) {
  return x === null || x === undefined ? "" : String(x);
}

function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// A DOT string literal.
function quoted(text) {
  return `"${String(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function plural(count, word) {
  const many = word.endsWith("x") ? `${word}es` : `${word}s`;
  return `${count.toLocaleString("en-US")} ${count === 1 ? word : many}`;
}

// --- the graph and its module tree ----------------------------------------------------------

class ScopeTree {  // the page's copy of grouping.py's ModuleTree: what a view folds
  constructor(payload) {
    const nodes = payload.nodes;
    this.payload = payload;
    this.nodes = nodes;
    this.count = nodes.op.length;
    this.scopes = payload.scopes;
    this.home = nodes.scope;
    this.parent = this.scopes.map((s) => s.parent);
    this.children = this.scopes.map(() => []);
    this.members = this.scopes.map(() => 0);  // how many values sit directly in each scope
    this.parent.forEach((p, k) => { if (p >= 0) this.children[p].push(k); });
    for (const k of this.home) if (k >= 0) this.members[k] += 1;
  }

  // The scopes open at first: the payload's `open`, chosen in Python by the rule draw_dot uses
  // (ModuleTree.choose_open: depth at most 1, within 200 boxes).
  initialOpen() {
    return new Set(this.payload.open);
  }

  // outer[k]: the outermost folded scope among k and the scopes around it (-1: all open).
  foldedAround(open) {
    const outer = new Int32Array(this.scopes.length);
    for (let k = 0; k < this.scopes.length; k++) {  // parents come before their children
      const above = this.parent[k] >= 0 ? outer[this.parent[k]] : -1;
      outer[k] = above >= 0 ? above : (open.has(k) ? -1 : k);
    }
    return outer;
  }

  // The scopes around scope k, outermost first, k included.
  path(k) {
    const found = [];
    for (let s = k; s >= 0; s = this.parent[s]) found.unshift(s);
    return found;
  }

  where(i) {
    const k = this.home[i];
    return k >= 0 ? this.scopes[k].title : "outside modules";
  }

  name(i) {
    return this.nodes.label[i] || `value #${i}`;
  }
}

// What each value is drawn as, for one set of open scopes: box[i] >= 0 is the value itself,
// box[i] = -(k + 1) the folded scope k.
function boxes(tree, open) {
  const outer = tree.foldedAround(open);
  const box = new Int32Array(tree.count);
  for (let i = 0; i < tree.count; i++) {
    const k = tree.home[i];
    const folded = k >= 0 ? outer[k] : -1;
    box[i] = folded >= 0 ? -(folded + 1) : i;
  }
  return { box, outer };
}

const boxName = (code) => (code >= 0 ? `n${code}` : `m${-code - 1}`);

// --- the drawing as DOT ---------------------------------------------------------------------

// The DOT of one view, and what the page needs to tag its SVG: the fields of each value's box,
// and per edge where it goes, how many values it carries and the gradient it sent.
function buildDot(tree, open, mode) {
  const { box, outer } = boxes(tree, open);
  const nodes = tree.nodes;
  const flow = nodes.flow;
  const lines = [];
  const fields = new Map();  // "n12" -> ["label", "data", "grad"]: its <text>s in order
  const edges = new Map();   // edge id -> {from, to, count, flow, kind}
  const inside = new Map();  // scope (-1: none) -> DOT lines of what is drawn directly in it
  const add = (k, line) => { if (!inside.has(k)) inside.set(k, []); inside.get(k).push(line); };
  let values = 0, ovals = 0, folded = 0;

  // The boxes: each value shown, with its operation's oval ...
  for (let i = 0; i < tree.count; i++) {
    if (box[i] !== i) continue;
    values += 1;
    const [label, cells] = valueLabel(tree, i);
    fields.set(`n${i}`, cells);
    add(tree.home[i], `n${i} [id="n${i}" label=<${label}>]`);
    if (nodes.parents[i].length) {
      ovals += 1;
      add(tree.home[i], `n${i}op [id="n${i}op" label=${quoted(nodes.op[i])} shape=ellipse fontsize=10 `
                        + `margin="0.03,0.02" height=0.3 style=filled fillcolor=gray95]`);
    }
  }
  // ... and each folded scope whose surroundings are open.
  const clusters = [];
  for (let k = 0; k < tree.scopes.length; k++) {
    if (outer[k] === k) {
      folded += 1;
      add(tree.parent[k], `m${k} [id="m${k}" label=<${scopeLabel(tree, k)}>]`);
    } else if (outer[k] === -1) {
      clusters.push(k);
    }
  }

  // The edges. Into a value drawn as itself: from each input's box to its operation's oval, one
  // edge per input drawn as itself, one per folded box the inputs come from. Into a folded box:
  // one edge per box the inputs come from.
  const bundles = new Map();  // "from>to" -> {from, to, values: Set, flow}
  const bundle = (from, to, parent, sent, kind) => {
    const key = `${from}>${to}`;
    let b = bundles.get(key);
    if (!b) bundles.set(key, b = { from, to, values: new Set(), flow: null, kind });
    b.values.add(parent);
    if (sent !== null && sent !== undefined) b.flow = addFlow(b.flow, sent);
  };
  const single = [];
  const shapeOf = (j) => (nodes.shape ? nodes.shape[j] : null);
  for (let i = 0; i < tree.count; i++) {
    const parents = nodes.parents[i];
    if (!parents.length) continue;
    const target = box[i];
    for (let position = 0; position < parents.length; position++) {
      const j = parents[position];
      const source = box[j];
      const sent = flow ? flow[i][position] : null;
      if (target === i) {
        if (source === j) single.push({ id: `n${i}-in${position}`, from: `n${j}`, to: `n${i}op`, count: 1,
                                        flow: sent ?? null, kind: "input" });
        else bundle(boxName(source), `n${i}op`, j, sent, "into value");
      } else if (source !== target) {
        bundle(boxName(source), boxName(target), j, sent, "between modules");
      }
    }
    if (target === i) single.push({ id: `n${i}-out`, from: `n${i}op`, to: `n${i}`, count: 1, flow: null, kind: "result" });
  }
  const all = single.concat([...bundles.values()].map((b, n) => ({ id: `b${n}`, from: b.from, to: b.to,
    count: b.values.size, flow: b.flow, kind: b.kind, shape: b.values.size === 1 ? shapeOf([...b.values][0]) : null })));
  for (const e of single) if (e.kind === "input") e.shape = shapeOf(Number(e.from.slice(1)));
  const crossing = all.filter((e) => e.count > 1).length;
  const flowLabels = mode === "flow" && all.length <= LABELLED_FLOWS;
  let largest = 1e-300;
  for (const e of all) if (typeof e.flow === "number") largest = Math.max(largest, Math.abs(e.flow));
  const labelled = mode === "flow" ? (flowLabels ? all.length : crossing) : crossing;
  for (const e of all) {
    edges.set(e.id, e);
    const attributes = [`id="${e.id}"`];
    let text = "";
    if (mode === "flow") {
      if (e.kind !== "result" && (flowLabels || e.count > 1)) text = e.flow === null ? "" : formatG(e.flow, 3);
      if (typeof e.flow === "number" && e.flow !== 0) {
        // Wider for more gradient: 1 to 4 px over six decades below the largest.
        const decades = Math.max(0, 6 + Math.log10(Math.abs(e.flow) / largest));
        attributes.push(`penwidth=${(1 + decades / 2).toFixed(2)}`);
      }
    } else if (e.count > 1 && crossing <= LABELLED_BUNDLES) {
      text = `${e.count.toLocaleString("en-US")} values`;
    } else if (e.shape) {
      text = e.shape;  // one tensor crosses: its shape and dtype, as draw_dot writes them
    }
    // A few labels take part in the layout (so they sit clear of the boxes); many are placed after it.
    if (text) attributes.push(`${labelled <= LABELLED_BUNDLES ? "label" : "xlabel"}=${quoted(text)}`);
    lines.push(`${e.from} -> ${e.to} [${attributes.join(" ")}]`);
  }

  // The clusters, nested as the scopes are.
  const children = new Map();
  for (const k of clusters) {
    const p = tree.parent[k];
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(k);
  }
  const body = [];
  const fill = (k, indent) => {
    for (const line of inside.get(k) || []) body.push(indent + line);
    for (const c of children.get(k) || []) {
      const s = tree.scopes[c];
      body.push(`${indent}subgraph cluster_${c} {`);
      body.push(`${indent}  id="c${c}" label=${quoted(s.title)} `
                + `labeljust=l style="rounded,filled" color=gray55 fillcolor="${CLUSTER_FILLS[s.depth % CLUSTER_FILLS.length]}" `
                + "fontsize=11 fontcolor=gray25");
      fill(c, indent + "  ");
      body.push(`${indent}}`);
    }
  };
  fill(-1, "  ");

  const dot = ["digraph explorer {",
    `  graph [rankdir=LR fontname="Helvetica" nodesep=0.15 ranksep=0.35${values + ovals + folded > QUICKER_FROM ? " " + QUICKER : ""}]`,
    '  node [fontname="Helvetica" fontsize=11 shape=plaintext]',
    `  edge [fontname="Helvetica" fontsize=9 arrowsize=0.6${mode === "flow" ? " dir=back" : ""}]`,
    ...body, ...lines.map((l) => "  " + l), "}"].join("\n");
  return { dot, fields, edges, counts: { values, ovals, folded, edges: all.length, layout: values + ovals + folded } };
}

const CLUSTER_FILLS = ["#ffffff", "#fbfbf8", "#f5f7fb", "#f8f5fb"];

// About how long Viz.js takes to lay out this many boxes: a power law through what was measured in
// headless Chromium on 2 cores (1,224 boxes 0.6-1.9 s, 6,500 boxes 80-95 s); Graphviz's dot grows
// faster than the size of the graph (compare expected_seconds in autograd/explain/drawing.py).
function expectedSeconds(boxes) {
  return 1.2 * (boxes / 1224) ** 2.65;
}

function addFlow(total, sent) {
  if (typeof sent !== "number" || typeof total === "string") return typeof sent === "number" ? total : sent;
  return (total ?? 0) + sent;
}

// A value's box as draw_dot draws it: label (bold, when it has one), shape (tensors), data, grad.
function valueLabel(tree, i) {
  const n = tree.nodes;
  const cells = [];
  const parts = [];
  if (n.label[i]) { cells.push("label"); parts.push(`<TD><B>${escapeHtml(n.label[i])}</B></TD>`); }
  if (n.shape && n.shape[i]) { cells.push("shape"); parts.push(`<TD>${escapeHtml(n.shape[i])}</TD>`); }
  cells.push("data");
  parts.push(`<TD>data ${escapeHtml(formatG(n.data[i]))}</TD>`);
  cells.push("grad");
  const grad = tree.payload.computed && n.grad[i] !== null ? formatG(n.grad[i]) : "not computed";
  parts.push(`<TD>grad ${escapeHtml(grad)}</TD>`);
  return [`<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"><TR>${parts.join("")}</TR></TABLE>`, cells];
}

// A folded scope's box: its title, what it holds, its parameters and their |grad|.
function scopeLabel(tree, k) {
  const s = tree.scopes[k];
  const rows = [`<B>${escapeHtml(s.title)}</B>`];
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1]);
  const kinds = ops.slice(0, 4).map(([op, count]) => `${count.toLocaleString("en-US")} ${op === "leaf" ? "leaves" : op}`);
  rows.push(escapeHtml(`${plural(s.size, "value")}: ${kinds.join(", ")}${ops.length > 4 ? " …" : ""}`));
  const tensors = s.params.filter(([, shape]) => shape !== "scalar");
  for (const [name, shape] of tensors.slice(0, 4)) rows.push(escapeHtml(`${name} ${shape}`));
  if (s.param_count) rows.push(escapeHtml(plural(s.param_count, "parameter")));
  if (s.grad_norm !== null && s.grad_norm !== undefined) rows.push(escapeHtml(`|grad| of parameters ${formatG(s.grad_norm, 3)}`));
  rows.push('<FONT COLOR="gray40" POINT-SIZE="9">click to open</FONT>');
  const cells = rows.map((row) => `<TR><TD ALIGN="LEFT">${row}</TD></TR>`).join("");
  return `<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" STYLE="rounded" BGCOLOR="#eaf1fb">${cells}</TABLE>`;
}

// --- the page -------------------------------------------------------------------------------

class Explorer {
  constructor(root, payload, viz) {
    this.root = root;
    this.tree = new ScopeTree(payload);
    this.vizReady = viz.instance();
    this.open = this.tree.initialOpen();
    this.mode = "forward";
    this.selected = null;   // the id of the part the last search chose
    this.drawn = null;      // what the view shows now: {fields, edges, counts}
    this.queue = Promise.resolve();
    this.status = root.querySelector(".ex-status");
    this.panel = root.querySelector(".ex-panel");
    this.view = new GraphView(root.querySelector(".ex-graph"), {
      nodeClick: (id) => this.clickBox(id),
      clusterClick: (id) => this.fold(Number(id.slice(1))),
      nodeEnter: (id) => this.showBox(id),
      nodeLeave: () => this.hidePanel(),
      edgeEnter: (id) => this.showEdge(id),
      edgeLeave: () => this.hidePanel(),
    });
    this._wireBar();
  }

  // The DOT of the view with these scopes open (the current ones when not given), laid out or not.
  dot(open = this.open, mode = this.mode) {
    return buildDot(this.tree, new Set(open), mode).dot;
  }

  // Draw the current view again; calls run one after another, each drawing the state it finds.
  draw() {
    this.queue = this.queue.then(() => this._draw()).catch((error) => {
      this.status.textContent = `The layout failed: ${error.message || error}`;
      this.status.classList.add("error");
      this.root.setAttribute("data-state", "error");
    });
    return this.queue;
  }

  // True when it drew; false when the view is slow to lay out and the page asks first.
  async _draw() {
    const built = buildDot(this.tree, this.open, this.mode);
    const c = built.counts;
    if (c.layout > SLOW_LAYOUT && !this.slowAllowed) {
      this._ask(c.layout);
      return false;
    }
    this.slowAllowed = false;
    this.root.setAttribute("data-state", "busy");
    this.status.classList.remove("error");
    this.status.textContent = `Laying out ${plural(c.layout, "box")}…`
      + (c.layout > SLOW_LAYOUT ? " (this many takes Graphviz a while)" : "");
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));  // let the status show
    const viz = await this.vizReady;
    const started = performance.now();
    const svg = viz.renderSVGElement(built.dot, { engine: "dot" });
    const seconds = (performance.now() - started) / 1000;
    this._tag(svg, built);
    this.view.show(svg);
    this.drawn = built;
    this.hidePanel();  // the box hovered may be gone, and no mouseleave says so
    this.view.mark("output", [boxName(boxes(this.tree, this.open).box[this.tree.payload.root])]);
    if (this.selected) this.view.mark("selected", [this.selected]);
    this.root.setAttribute("data-mode", this.mode);
    this.root.setAttribute("data-layout-seconds", seconds.toFixed(3));
    this.root.setAttribute("data-boxes", String(c.layout));
    this.status.textContent = `${plural(c.values, "value")} drawn, ${plural(c.folded, "folded module")}, `
      + `${plural(c.edges, "edge")}: ${plural(c.layout, "box")} laid out in ${seconds.toFixed(2)} s`
      + ` (${this.tree.count.toLocaleString("en-US")} values in the graph)`;
    this.drawnOpen = new Set(this.open);
    this.root.setAttribute("data-state", "ready");
    return true;
  }

  // A view that would take Graphviz long (the page cannot be used meanwhile): say so, and ask.
  _ask(boxes) {
    const seconds = Math.round(expectedSeconds(boxes));
    this.root.setAttribute("data-state", "asking");
    this.status.replaceChildren(`This view has ${plural(boxes, "box")}: laying it out takes about `
      + `${seconds.toLocaleString("en-US")} s, during which the page does not respond. `);
    const button = (text, className, act) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = className;
      b.textContent = text;
      b.addEventListener("click", act);
      this.status.append(b, " ");
    };
    button("lay it out", "ex-slow-go", () => { this.slowAllowed = true; this.draw(); });
    button("cancel", "ex-slow-cancel", () => {
      this.open = new Set(this.drawnOpen || this.tree.initialOpen());
      this.selected = null;
      this.draw();
    });
  }

  // Graphviz wrote our ids on the groups; GraphView reads data-* attributes instead (no ids, so a
  // page could hold several views), and the hover panel replaces Graphviz's <title> tooltips.
  _tag(svg, built) {
    for (const title of svg.querySelectorAll("g > title")) title.remove();
    for (const g of svg.querySelectorAll("g.node[id]")) {
      const id = g.id;
      g.removeAttribute("id");
      if (id.endsWith("op")) { g.setAttribute("data-op", id.slice(0, -2)); continue; }
      g.setAttribute("data-node", id);
      const cells = built.fields.get(id);
      if (!cells) continue;  // a folded module
      const texts = g.querySelectorAll("text");
      cells.forEach((field, n) => { if (texts[n]) texts[n].setAttribute("class", field); });
    }
    for (const g of svg.querySelectorAll("g.cluster[id]")) {
      g.setAttribute("data-cluster", g.id);
      g.removeAttribute("id");
    }
    for (const g of svg.querySelectorAll("g.edge[id]")) {
      const e = built.edges.get(g.id);
      g.removeAttribute("id");
      if (!e) continue;
      g.setAttribute("data-edge", e.id);
      g.setAttribute("data-from", e.from.replace(/op$/, ""));
      g.setAttribute("data-to", e.to.replace(/op$/, ""));
      g.setAttribute("data-count", String(e.count));
      g.setAttribute("data-flow", exact(e.flow));
      if (this.mode === "flow" && e.kind !== "result" && e.flow === null) g.classList.add("no-flow");
    }
    // The numbers, exact, where tests and tools read them (GraphView.setField's data-value).
    const n = this.tree.nodes;
    for (const [id, cells] of built.fields) {
      const g = svg.querySelector(`g[data-node="${id}"]`);
      if (!g) continue;
      const i = Number(id.slice(1));
      for (const text of g.querySelectorAll("text")) {
        const field = text.getAttribute("class");
        if (field === "data") text.setAttribute("data-value", exact(n.data[i]));
        if (field === "grad") text.setAttribute("data-value", exact(n.grad[i]));
        if (field === "label") text.setAttribute("data-value", n.label[i]);
      }
    }
  }

  // --- what a click does ----------------------------------------------------------------

  clickBox(id) {
    if (id.startsWith("m")) { this.openScope(Number(id.slice(1))); return; }
    this.selected = id;  // a value: mark it, and keep its numbers in the panel
    this.view.mark("selected", [id]);
    this.showBox(id);
  }

  async openScope(k) {
    for (const s of this.tree.path(k)) this.open.add(s);
    this.selected = `c${k}`;
    if (await this.draw()) this.view.centerOn(this.selected, 1800);  // a large module: its middle, at a size its numbers can be read
  }

  fold(k) {
    this.open.delete(k);
    this.selected = `m${k}`;
    this.hidePanel();
    return this.draw();
  }

  setMode(mode) {
    if (mode === this.mode) return this.queue;
    this.mode = mode;
    for (const b of this.root.querySelectorAll(".ex-modes button")) b.classList.toggle("active", b.dataset.mode === mode);
    return this.draw();
  }

  // Show part `what` of a search: a value ({node: i}) or a module ({scope: k}), opening what is around it.
  async reveal(what) {
    if (what.node !== undefined) {
      const k = this.tree.home[what.node];
      if (k >= 0) for (const s of this.tree.path(k)) this.open.add(s);
      this.selected = `n${what.node}`;
    } else {
      const around = this.tree.path(what.scope).slice(0, -1);
      for (const s of around) this.open.add(s);
      this.selected = this.open.has(what.scope) ? `c${what.scope}` : `m${what.scope}`;
    }
    if (!(await this.draw())) return;
    this.view.centerOn(this.selected, 1000);
    if (this.selected.startsWith("n")) this.showBox(this.selected);
  }

  top() {
    this.open = this.tree.initialOpen();
    this.selected = null;
    return this.draw();
  }

  // --- the hover panel ------------------------------------------------------------------

  showBox(id) {
    const rows = [];
    const row = (name, text, value, key = name) => rows.push(
      `<tr><th>${escapeHtml(name)}</th><td data-field="${escapeHtml(key)}"`
      + (value === undefined ? "" : ` data-value="${escapeHtml(value)}"`) + `>${escapeHtml(text)}</td></tr>`);
    let heading;
    const t = this.tree;
    if (id.startsWith("n")) {
      const i = Number(id.slice(1));
      const n = t.nodes;
      heading = t.name(i);
      row("data", exact(n.data[i]), exact(n.data[i]));
      row("grad", t.payload.computed && n.grad[i] !== null ? exact(n.grad[i]) : "not computed", exact(n.grad[i]));
      if (n.shape && n.shape[i]) row("shape", n.shape[i], n.shape[i]);
      row("operation", n.op[i] || "none: a leaf", n.op[i]);
      row("module", t.where(i), t.home[i] >= 0 ? t.scopes[t.home[i]].path : "");
      const inputs = n.parents[i].map((j, p) => `${t.name(j)}` + (n.flow && n.flow[i][p] !== null
        ? `  ← gradient ${exact(n.flow[i][p])}` : ""));
      if (inputs.length) row("inputs", inputs.join("\n"));
      row("index", String(i), String(i));
    } else {
      const k = Number(id.slice(1));
      const s = t.scopes[k];
      heading = s.title;
      row("module", s.path || "(the outermost module)", s.path);
      row("kind", s.kind, s.kind);
      row("values", s.size.toLocaleString("en-US"), String(s.size));
      row("operations", Object.entries(s.ops).map(([op, c]) => `${op} ${c.toLocaleString("en-US")}`).join(", "));
      row("parameters", String(s.param_count), String(s.param_count));
      for (const [name, shape] of s.params) row(name, shape);
      if (s.grad_norm !== null && s.grad_norm !== undefined) row("|grad| of parameters", exact(s.grad_norm), exact(s.grad_norm), "grad_norm");
    }
    const hint = id.startsWith("m") ? '<p class="hint">Click to open this module.</p>' : "";
    this.panel.innerHTML = `<h2>${escapeHtml(heading)}</h2><table>${rows.join("")}</table>${hint}`;
    this.panel.querySelectorAll("td").forEach((td) => { td.style.whiteSpace = "pre-wrap"; });
    this.panel.setAttribute("data-for", id);
    this.panel.hidden = false;
  }

  showEdge(id) {
    const e = this.drawn && this.drawn.edges.get(id);
    if (!e) return;
    const name = (box) => {
      const plain = box.replace(/op$/, "");
      return plain.startsWith("m") ? this.tree.scopes[Number(plain.slice(1))].title : this.tree.name(Number(plain.slice(1)));
    };
    // Forward, a value goes from its box into an operation; backward, the gradient goes the other way.
    const rows = this.mode === "flow"
      ? [["sent by", name(e.to)], ["into", name(e.from)], ["values", String(e.count)]]
      : [["from", name(e.from)], ["into", name(e.to)], ["values", String(e.count)]];
    if (this.tree.nodes.flow && e.kind !== "result") {
      rows.push(["gradient sent back", e.flow === null ? "none (not on a path to the output)" : exact(e.flow)]);
    }
    this.panel.innerHTML = `<h2>${e.count > 1 ? "values crossing" : "an input"}</h2><table>`
      + rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td data-field="${escapeHtml(k)}">${escapeHtml(v)}</td></tr>`).join("")
      + "</table>";
    this.panel.setAttribute("data-for", id);
    this.panel.hidden = false;
  }

  hidePanel() {
    if (this.selected && this.selected.startsWith("n") && this.view.nodes && this.view.nodes.has(this.selected)) {
      this.showBox(this.selected);  // the value chosen last stays in the panel
      return;
    }
    this.panel.hidden = true;
  }

  // --- the bar: search, the two views, back to the top --------------------------------

  search(text) {
    const query = text.trim().toLowerCase();
    if (!query) return [];
    const found = [];
    this.tree.scopes.forEach((s, k) => {
      if (s.path.toLowerCase().includes(query) || s.title.toLowerCase().includes(query)) found.push({ scope: k });
    });
    const labels = this.tree.nodes.label;
    for (let i = 0; i < labels.length && found.length < 500; i++) {
      if (labels[i] && labels[i].toLowerCase().includes(query)) found.push({ node: i });
    }
    return found;
  }

  _wireBar() {
    const input = this.root.querySelector(".ex-search");
    const list = this.root.querySelector(".ex-matches");
    const choose = (what) => { list.hidden = true; this.reveal(what); };
    const fillList = () => {
      const found = this.search(input.value);
      list.replaceChildren();
      list.hidden = !input.value.trim();
      if (!found.length) {
        const none = document.createElement("div");
        none.className = "none";
        none.textContent = "nothing found";
        list.appendChild(none);
      }
      for (const what of found.slice(0, SEARCH_SHOWN)) {
        const button = document.createElement("button");
        button.type = "button";
        const [name, where] = what.node !== undefined
          ? [this.tree.name(what.node), this.tree.where(what.node)] : [this.tree.scopes[what.scope].title, "module"];
        button.innerHTML = `${escapeHtml(name)}<span class="where">${escapeHtml(where)}</span>`;
        button.setAttribute("data-match", what.node !== undefined ? `n${what.node}` : `m${what.scope}`);
        button.addEventListener("click", () => choose(what));
        list.appendChild(button);
      }
      this.matches = found;
    };
    input.addEventListener("input", fillList);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && this.matches && this.matches.length) choose(this.matches[0]);
      if (event.key === "Escape") list.hidden = true;
    });
    for (const b of this.root.querySelectorAll(".ex-modes button")) b.addEventListener("click", () => this.setMode(b.dataset.mode));
    this.root.querySelector(".ex-top").addEventListener("click", () => this.top());
    if (!this.tree.nodes.flow) {  // no backward pass from a scalar root: no flow to show
      const flowButton = this.root.querySelector('.ex-modes button[data-mode="flow"]');
      flowButton.disabled = true;
      flowButton.title = "needs a graph of Values after root.backward()";
    }
  }
}

const root = document.getElementById("explorer");
const payload = JSON.parse(document.getElementById("explorer-graph").textContent);
const explorer = new Explorer(root, payload, globalThis.Viz);
globalThis.autogradExplorer = explorer;  // for tests, tools and the browser's console
explorer.draw();
