// graph_view.js: a computation graph drawn once, its numbers updated in place.
//
// The drawing is SVG laid out by Graphviz: on the Python side for the playground
// (autograd/playground/layout.py), in the page by Viz.js for the graph explorer (explorer.js).
// It is tagged so that a script can find its parts without ids (several views can share a page):
//
//   <g class="node" data-node="v3">  a value's box, whose <text>s have class label, data, grad
//   <g class="node" data-op="v3">    the oval of the operation that made v3
//   <g class="edge" data-edge="v3-in0" data-from="v1" data-to="v3">   an input of that operation
//   <g class="edge" data-edge="v3-out" data-to="v3">                  the operation to its result
//   <g class="cluster" data-cluster="c2">   a frame around a group of boxes (the explorer's open modules)
//
// A GraphView knows nothing of derivatives: it shows an SVG, writes texts into the boxes,
// marks parts with CSS classes, reports clicks and hovers, pans and zooms, and centres on a part.
// Two uses drive it: the playground (playground.js) and the graph explorer (explorer.js).

const SVG_NS = "http://www.w3.org/2000/svg";
const MARKS = ["current", "done", "path", "selected", "output", "off"];

export class GraphView {
  // container: an element to draw in. handlers, each optional: nodeClick(id), nodeEnter(id, event),
  // nodeLeave(id), clusterClick(id), edgeEnter(id, event), edgeLeave(id).
  constructor(container, handlers = {}) {
    this.container = container;
    this.handlers = handlers;
    this.container.classList.add("graph-view");
    this.stage = document.createElement("div");
    this.stage.className = "graph-stage";
    this.container.appendChild(this.stage);
    this.container.appendChild(this._zoomButtons());
    this.svg = null;
    this.marked = {};  // mark -> Set of elements that carry it
    this._wirePanAndZoom();
  }

  // Replace the drawing by `drawing` (the text of one <svg> element, or an <svg> element) and index its parts.
  show(drawing) {
    const parsed = typeof drawing === "string"
      ? new DOMParser().parseFromString(drawing, "image/svg+xml").documentElement : drawing;
    if (!parsed || parsed.nodeName !== "svg") throw new Error("GraphView.show: not an SVG drawing");
    const svg = parsed.ownerDocument === document ? parsed : document.importNode(parsed, true);
    const box = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
    this.full = box.length === 4 && box.every(Number.isFinite) ? { x: box[0], y: box[1], width: box[2], height: box[3] } : null;
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.stage.replaceChildren(svg);
    this.svg = svg;
    this.nodes = new Map();
    this.ops = new Map();
    this.edges = new Map();
    this.clusters = new Map();
    this.texts = new Map();
    this.marked = {};
    for (const g of svg.querySelectorAll("g[data-node]")) {
      const id = g.getAttribute("data-node");
      this.nodes.set(id, g);
      const fields = {};
      for (const text of g.querySelectorAll("text")) fields[text.getAttribute("class")] = text;
      this.texts.set(id, fields);
      g.addEventListener("click", (event) => {
        if (this._dragged) return;
        event.stopPropagation();
        if (this.handlers.nodeClick) this.handlers.nodeClick(id);
      });
      g.addEventListener("mouseenter", (event) => this.handlers.nodeEnter && this.handlers.nodeEnter(id, event));
      g.addEventListener("mouseleave", () => this.handlers.nodeLeave && this.handlers.nodeLeave(id));
    }
    for (const g of svg.querySelectorAll("g[data-cluster]")) {
      const id = g.getAttribute("data-cluster");
      this.clusters.set(id, g);
      g.addEventListener("click", (event) => {
        if (this._dragged) return;
        event.stopPropagation();
        if (this.handlers.clusterClick) this.handlers.clusterClick(id);
      });
    }
    for (const g of svg.querySelectorAll("g[data-op]")) this.ops.set(g.getAttribute("data-op"), g);
    for (const g of svg.querySelectorAll("g[data-edge]")) {
      const id = g.getAttribute("data-edge");
      this.edges.set(id, g);
      const line = g.querySelector("path");
      if (line) {  // a wide transparent copy of the line: an edge is easy to hover, not only its 1px stroke
        const hit = line.cloneNode(false);
        hit.setAttribute("class", "hit");
        hit.setAttribute("style", "stroke: transparent; stroke-width: 12px; fill: none");
        g.appendChild(hit);
      }
      g.addEventListener("mouseenter", (event) => this.handlers.edgeEnter && this.handlers.edgeEnter(id, event));
      g.addEventListener("mouseleave", () => this.handlers.edgeLeave && this.handlers.edgeLeave(id));
    }
    this.fit();
  }

  // The text of one field ("label", "data" or "grad") of a value's box. `value` (an exact number,
  // or a string such as "nan") goes into data-value for tests and tools; `state` is "known",
  // "unknown" (not computed yet: shown grey) or "off" (not on a path to the output).
  setField(nodeId, field, text, value, state = "known") {
    const fields = this.texts.get(nodeId);
    const element = fields && fields[field];
    if (!element) return;
    if (element.textContent !== text) element.textContent = text;
    const shown = value === null || value === undefined ? "" : String(value);
    if (element.getAttribute("data-value") !== shown) element.setAttribute("data-value", shown);
    for (const s of ["known", "unknown", "off"]) element.classList.toggle(s, s === state);
  }

  field(nodeId, field) {
    const fields = this.texts.get(nodeId);
    const element = fields && fields[field];
    return element ? { text: element.textContent, value: element.getAttribute("data-value") } : null;
  }

  // Give `mark` (one of MARKS, a CSS class) to exactly these nodes and edges; ids of either kind.
  mark(mark, ids) {
    if (!MARKS.includes(mark)) throw new Error(`GraphView.mark: unknown mark ${mark}`);
    for (const element of this.marked[mark] || []) element.classList.remove(mark);
    const now = new Set();
    for (const id of ids || []) {
      for (const element of [this.nodes.get(id), this.ops.get(id), this.edges.get(id), this.clusters.get(id)]) {
        if (element) { element.classList.add(mark); now.add(element); }
      }
    }
    this.marked[mark] = now;
  }

  clearMarks() { for (const mark of MARKS) this.mark(mark, []); }

  // The drawing as a standalone SVG file, as it looks now (numbers and marks included).
  svgText(style = "") {
    const copy = this.svg.cloneNode(true);
    copy.setAttribute("xmlns", SVG_NS);
    if (this.full) copy.setAttribute("viewBox", `${this.full.x} ${this.full.y} ${this.full.width} ${this.full.height}`);
    if (this.full) { copy.setAttribute("width", `${this.full.width}pt`); copy.setAttribute("height", `${this.full.height}pt`); }
    if (style) {
      const element = document.createElementNS(SVG_NS, "style");
      element.textContent = style;
      copy.insertBefore(element, copy.firstChild);
    }
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  // --- pan and zoom: the viewBox moves, the layout never does -------------------------

  fit() {
    if (!this.svg || !this.full) return;
    this.view = { ...this.full };
    this._applyView();
  }

  // Move the view so that part `id` (a node, operation, cluster or edge) is in its middle, showing
  // `width` drawing units across (at most the whole drawing). False when there is no such part.
  centerOn(id, width = 600) {
    const element = this.nodes.get(id) || this.ops.get(id) || this.clusters.get(id) || this.edges.get(id);
    if (!element || !this.full) return false;
    // The part's box in the coordinates of the viewBox (Graphviz puts a transform on its top group).
    const box = element.getBBox();
    const toSvg = this.svg.getScreenCTM().inverse().multiply(element.getScreenCTM());
    const corner = (x, y) => new DOMPoint(x, y).matrixTransform(toSvg);
    const a = corner(box.x, box.y), b = corner(box.x + box.width, box.y + box.height);
    const screen = this.svg.getBoundingClientRect();  // the view takes the shape of the screen, not of the drawing
    const aspect = screen.width && screen.height ? screen.height / screen.width : this.view.height / this.view.width;
    const w = Math.min(width, Math.max(this.full.width, this.full.height / aspect));
    this.view = { x: (a.x + b.x - w) / 2, y: (a.y + b.y - w * aspect) / 2, width: w, height: w * aspect };
    this._applyView();
    return true;
  }

  zoom(factor, clientX, clientY) {
    if (!this.view) return;
    const box = this.svg.getBoundingClientRect();
    const fx = box.width ? ((clientX ?? box.left + box.width / 2) - box.left) / box.width : 0.5;
    const fy = box.height ? ((clientY ?? box.top + box.height / 2) - box.top) / box.height : 0.5;
    const width = Math.min(Math.max(this.view.width / factor, this.full.width / 40), this.full.width * 4);
    const height = width * (this.view.height / this.view.width);
    this.view.x += (this.view.width - width) * fx;
    this.view.y += (this.view.height - height) * fy;
    this.view.width = width;
    this.view.height = height;
    this._applyView();
  }

  _applyView() {
    const v = this.view;
    this.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.width} ${v.height}`);
  }

  _zoomButtons() {
    const bar = document.createElement("div");
    bar.className = "graph-zoom";
    for (const [label, title, act] of [["+", "zoom in", () => this.zoom(1.25)], ["−", "zoom out", () => this.zoom(0.8)],
                                       ["fit", "show the whole graph", () => this.fit()]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.title = title;
      button.addEventListener("click", act);
      bar.appendChild(button);
    }
    return bar;
  }

  _wirePanAndZoom() {
    this.stage.addEventListener("wheel", (event) => {
      if (!event.ctrlKey && !event.metaKey && !event.altKey) return;  // plain scrolling scrolls the page
      event.preventDefault();
      this.zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX, event.clientY);
    }, { passive: false });
    let start = null;
    this.stage.addEventListener("pointerdown", (event) => {
      if (!this.view || event.button !== 0) return;
      start = { x: event.clientX, y: event.clientY, view: { ...this.view } };
      this._dragged = false;
    });
    window.addEventListener("pointermove", (event) => {
      if (!start) return;
      const dx = event.clientX - start.x, dy = event.clientY - start.y;
      if (!this._dragged && Math.hypot(dx, dy) < 4) return;
      this._dragged = true;
      const box = this.svg.getBoundingClientRect();
      const scale = Math.max(start.view.width / box.width, start.view.height / box.height);
      this.view.x = start.view.x - dx * scale;
      this.view.y = start.view.y - dy * scale;
      this._applyView();
    });
    window.addEventListener("pointerup", () => {
      start = null;
      setTimeout(() => { this._dragged = false; }, 0);  // the click that ends a drag is not a click on a node
    });
  }
}
