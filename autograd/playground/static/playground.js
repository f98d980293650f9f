// playground.js: the chain rule, live. One front end for the local server and the Jupyter widget.
//
//   mountPlayground(root, {GraphView, transport, initial, editable, onState})
//
// GraphView   the class of graph_view.js (passed in, so that this file loads the same way
//             from the server's page and from a widget, where relative imports do not exist)
// transport   {request(kind, body) -> Promise<{status, data}>}: kind "evaluate" or "stepper";
//             the page sends it over HTTP, the widget to the notebook's kernel
// initial     {expression, values, output}
// editable    whether the expression can be typed (a widget made from a Python function: no)
// onState     called with {expression, values, output} after every change (the page's share link)
//
// Every number shown comes from the engine (autograd/playground/state.py): this file only
// decides which of them a step of a mode shows. The one computation done here is the
// gradient-descent update x <- x - lr * df/dx, with gradients the engine computed.

const PRACTICE_RELATIVE = 0.01;  // a prediction is right within 1% of the answer ...
const PRACTICE_ABSOLUTE = 0.005; // ... or half a hundredth for answers near 0
const TYPING_PAUSE_MS = 120;

const EXPORT_STYLE = `text.unknown, text.off { fill: #999; font-style: italic; }
g.edge.current path { stroke: #d62728; stroke-width: 3px; } g.edge.done path { stroke: #2b7bba; }`;

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child);
  return element;
}

function isNumber(x) { return typeof x === "number" && Number.isFinite(x); }
function asFloat(x) { return typeof x === "number" ? x : Number(x === "inf" ? Infinity : x === "-inf" ? -Infinity : NaN); }
function short(x) {
  const v = asFloat(x);
  if (!Number.isFinite(v)) return String(x);
  return Number(v.toPrecision(4)).toString();
}

export function mountPlayground(root, options) {
  const { GraphView, transport } = options;
  const editable = options.editable !== false;
  const onState = options.onState || (() => {});
  const initial = options.initial || {};

  const state = {
    expression: initial.expression || "", values: { ...(initial.values || {}) }, output: initial.output || null,
    inspect: null, mode: "explore", step: 0, tangentInput: null, check: false,
    losses: [], score: { right: 0, asked: 0 }, answered: null,
  };
  let answer = null;      // the last good answer of the engine
  let layoutKey = null;   // the structure the drawing shows
  const timings = [];     // ms from an input event to the last number drawn, one per update

  // --- the page ------------------------------------------------------------------------
  root.classList.add("autograd-playground");
  const expressionBox = h("input", { class: "pg-expression", type: "text", spellcheck: "false",
    autocomplete: "off", "aria-label": "expression", value: state.expression, readonly: !editable,
    title: editable ? "numbers, variables, + - * / **, and exp log sqrt tanh sigmoid relu sin cos abs" :
      "this playground shows a Python function: change it in the notebook" });
  const errorBox = h("div", { class: "pg-error", role: "alert", hidden: true });
  const inputsTable = h("table", { class: "pg-inputs" });
  const outputSelect = h("select", { class: "pg-output", "aria-label": "the output to differentiate" });
  const outputNote = h("span", { class: "pg-output-note" });
  const checkButton = h("button", { type: "button", class: "pg-check-button", text: "Check against central differences" });
  const checkBox = h("div", { class: "pg-check" });
  const rateBox = h("input", { class: "pg-rate", type: "number", step: "any", value: "0.1", "aria-label": "learning rate" });
  const descendOne = h("button", { type: "button", class: "pg-descend-1", text: "1 step" });
  const descendTen = h("button", { type: "button", class: "pg-descend-10", text: "10 steps" });
  const descendReset = h("button", { type: "button", class: "pg-descend-reset", text: "clear" });
  const plot = h("div", { class: "pg-plot" });
  const lossNote = h("div", { class: "pg-loss" });
  const linkButton = h("button", { type: "button", class: "pg-link-button", text: "Copy link" });
  const linkBox = h("input", { class: "pg-link", type: "text", readonly: true, "aria-label": "link to this state" });
  const stepperButton = h("button", { type: "button", class: "pg-export-html", text: "Stepper (HTML)" });
  const svgButton = h("button", { type: "button", class: "pg-export-svg", text: "Drawing (SVG)" });
  const downloadLink = h("a", { class: "pg-download", hidden: true });
  const modeButtons = {};
  for (const [mode, label, title] of [
    ["explore", "Explore", "every value and gradient at once"],
    ["forward", "Forward pass", "the values, one operation at a time"],
    ["reverse", "Reverse pass", "the gradients, one edge at a time, from the output back"],
    ["tangent", "Forward mode", "the derivatives with respect to one input, as Dual numbers move forward"],
    ["practice", "Practice", "predict each gradient of the reverse pass"]]) {
    modeButtons[mode] = h("button", { type: "button", class: `pg-mode pg-mode-${mode}`, text: label, title,
      onclick: () => setMode(mode) });
  }
  const tangentSelect = h("select", { class: "pg-tangent-input", "aria-label": "the input forward mode starts from" });
  const stepButtons = {};
  for (const [name, label] of [["first", "First"], ["previous", "◀ Previous"], ["next", "Next ▶"], ["last", "Last"]]) {
    stepButtons[name] = h("button", { type: "button", class: `pg-step-${name}`, text: label });
  }
  const counter = h("span", { class: "pg-counter" });
  const stepBar = h("div", { class: "pg-stepbar", hidden: true }, Object.values(stepButtons), counter);
  const explanation = h("div", { class: "pg-explanation" });
  const question = h("div", { class: "pg-question" });
  const guessBox = h("input", { class: "pg-guess", type: "text", inputmode: "decimal", "aria-label": "your prediction" });
  const guessButton = h("button", { type: "button", class: "pg-answer", text: "Check my answer" });
  const nextQuestion = h("button", { type: "button", class: "pg-next-question", text: "Next question", hidden: true });
  const feedback = h("div", { class: "pg-feedback" });
  const score = h("div", { class: "pg-score" });
  const practice = h("div", { class: "pg-practice", hidden: true },
    question, h("div", { class: "pg-guess-row" }, guessBox, guessButton, nextQuestion), feedback, score);
  const graphBox = h("div", { class: "pg-graph" });
  const tooltip = h("div", { class: "pg-tooltip", hidden: true });
  const inspector = h("aside", { class: "pg-inspector", hidden: true });

  root.replaceChildren(
    h("div", { class: "pg-top" }, h("label", { class: "pg-expression-label" }, h("span", { text: "f = " }), expressionBox), errorBox),
    h("div", { class: "pg-main" },
      h("div", { class: "pg-side" },
        h("section", {}, h("h3", { text: "Inputs" }), inputsTable),
        h("section", {}, h("h3", { text: "Differentiate" }), h("label", {}, "output ", outputSelect), outputNote),
        h("section", {}, h("h3", { text: "Check" }), checkButton, checkBox),
        h("section", {}, h("h3", { text: "Descend" }),
          h("div", { class: "pg-descend-row" }, h("label", {}, "learning rate ", rateBox), descendOne, descendTen, descendReset),
          plot, lossNote),
        h("section", { class: "pg-share" }, h("h3", { text: "Share and export" }),
          h("div", {}, linkButton, linkBox), h("div", {}, stepperButton, svgButton, downloadLink))),
      h("div", { class: "pg-center" },
        h("div", { class: "pg-modes" }, modeButtons.explore, modeButtons.forward, modeButtons.reverse,
          h("span", { class: "pg-tangent" }, modeButtons.tangent, " from ", tangentSelect), modeButtons.practice),
        stepBar, explanation, practice, graphBox, tooltip),
      inspector));
  if (options.shareable === false) root.querySelector(".pg-share > div").hidden = true;

  const view = new GraphView(graphBox, {
    nodeClick: (id) => { state.inspect = state.inspect === id ? null : id; update(); },
    edgeEnter: showEdge, edgeLeave: () => { tooltip.hidden = true; },
  });

  // --- talking to the engine: one request at a time, the newest state always wins ------
  let inFlight = false, queued = false, inputAt = null, waiting = [];
  root.dataset.busy = "0";

  function body() {
    return { expression: state.expression, values: state.values, output: state.output, inspect: state.inspect,
      tangent: state.mode === "tangent" ? state.tangentInput : null, check: state.check,
      steps: ["forward", "reverse", "practice"].includes(state.mode), layout: layoutKey };
  }

  // Ask the engine for the current state; resolves once an answer that includes it is drawn.
  function update() {
    const done = new Promise((resolve) => waiting.push(resolve));
    if (inFlight) queued = true; else send();
    return done;
  }

  async function send() {
    inFlight = true; queued = false; root.dataset.busy = "1";
    const startedAt = inputAt, resolvers = waiting;
    inputAt = null; waiting = [];
    let reply;
    try { reply = await transport.request("evaluate", body()); }
    catch (error) { reply = { status: 0, data: { error: `no answer from the engine: ${error}`, column: null } }; }
    if (reply.status === 200) { showError(null); render(reply.data); }
    else recover(reply.data);
    if (startedAt !== null) timings.push(performance.now() - startedAt);
    inFlight = false;
    for (const resolve of resolvers) resolve(reply);
    if (queued) send(); else root.dataset.busy = "0";
  }

  function recover(error) {
    // A new expression that cannot be read: say where, keep the last good graph.
    showError(error);
    if (answer && error && /output|inspect|tangent/.test(error.error || "")) {
      state.output = null; state.inspect = null; update();
    }
  }

  function showError(error) {
    errorBox.replaceChildren();
    errorBox.hidden = !error;
    if (!error) return;
    errorBox.append(h("div", { class: "pg-error-message", text: error.error }));
    if (error.column) {
      errorBox.append(h("pre", { class: "pg-error-caret", text: `${state.expression}\n${" ".repeat(error.column - 1)}^` }));
    }
    errorBox.dataset.column = error.column ?? "";
  }

  // --- drawing an answer -----------------------------------------------------------------
  let nodeById = new Map(), edgeById = new Map(), inEdges = new Map();

  function render(data) {
    const newStructure = data.svg !== undefined;
    if (newStructure) { view.show(data.svg); layoutKey = data.layout_key; }
    answer = data;
    nodeById = new Map(data.nodes.map((n) => [n.id, n]));
    edgeById = new Map(data.edges.map((e) => [e.id, e]));
    inEdges = new Map();
    for (const edge of data.edges) {
      if (!inEdges.has(edge.to)) inEdges.set(edge.to, []);
      inEdges.get(edge.to)[edge.position] = edge;
    }
    state.values = { ...data.values };
    state.output = data.output === data.root ? null : data.output;
    if (newStructure) { buildInputs(data); buildOutputs(data); }
    if (!data.variables.includes(state.tangentInput)) state.tangentInput = data.variables[0] || null;
    updateInputs(data);
    outputSelect.value = data.output;
    outputNote.textContent = `d${data.output_name}/d(each input), and d${data.output_name}/d(each value) on the graph`;
    drawNumbers();
    renderInspector();
    renderCheck();
    root.dataset.layout = layoutKey;
    root.dataset.output = data.output;
    onState({ expression: state.expression, values: state.values, output: state.output });
  }

  function buildInputs(data) {
    inputsTable.replaceChildren(h("tr", {}, h("th", { text: "input" }), h("th", { text: "value" }), h("th", {}),
      h("th", { class: "pg-grad-head" }), h("th", { class: "pg-check-head" })));
    for (const name of data.variables) {
      const value = data.values[name];
      const reach = Math.max(5, Math.ceil(Math.abs(value) * 2));
      const slider = h("input", { type: "range", class: "pg-slider", min: -reach, max: reach, step: "0.01",
        value, "data-name": name, "aria-label": `${name} slider` });
      const box = h("input", { type: "number", class: "pg-number", step: "any", value, "data-name": name,
        "aria-label": `${name} value` });
      slider.addEventListener("input", () => { box.value = slider.value; setValue(name, Number(slider.value)); });
      box.addEventListener("input", () => {
        if (box.value === "" || !Number.isFinite(Number(box.value))) return;
        slider.value = box.value; setValue(name, Number(box.value));
      });
      inputsTable.append(h("tr", { "data-name": name }, h("td", { class: "pg-name", text: name }),
        h("td", {}, slider), h("td", {}, box), h("td", { class: "pg-input-grad" }), h("td", { class: "pg-input-check" })));
    }
    tangentSelect.replaceChildren(...data.variables.map((name) => h("option", { value: name, text: name })));
  }

  function updateInputs(data) {
    inputsTable.querySelector(".pg-grad-head").textContent = `d${data.output_name}/d(input)`;
    for (const row of inputsTable.querySelectorAll("tr[data-name]")) {
      const name = row.dataset.name;
      const slider = row.querySelector(".pg-slider"), box = row.querySelector(".pg-number");
      const value = data.values[name];
      if (Number(box.value) !== value && document.activeElement !== box) box.value = value;
      if (Number(slider.value) !== value && document.activeElement !== slider) {
        if (value > Number(slider.max) || value < Number(slider.min)) {
          const reach = Math.ceil(Math.abs(value) * 2);
          slider.min = -reach; slider.max = reach;
        }
        slider.value = value;
      }
      const cell = row.querySelector(".pg-input-grad");
      cell.textContent = short(data.gradients[name]);
      cell.dataset.value = String(data.gradients[name]);
    }
    tangentSelect.value = state.tangentInput;
  }

  function buildOutputs(data) {
    outputSelect.replaceChildren(...data.nodes.filter((n) => n.kind === "operation" || n.kind === "input")
      .map((n) => h("option", { value: n.id, text: n.id === data.root ? `${n.name} (the expression)` : n.name })));
  }

  function setValue(name, value) {
    state.values[name] = value;
    if (inputAt === null) inputAt = performance.now();
    update();
  }

  // --- modes and steps ---------------------------------------------------------------------
  function steps() {
    if (!answer) return [];
    if (state.mode === "forward") return [null, ...(answer.forward || [])];
    if (state.mode === "reverse" || state.mode === "practice") return [null, ...(answer.backward || [])];
    if (state.mode === "tangent") return answer.tangent ? [null, ...answer.tangent.steps] : [null];
    return [null];
  }

  function setMode(mode) {
    const changed = state.mode !== mode;
    state.mode = mode;
    if (changed) { state.step = 0; state.answered = null; }
    for (const [name, button] of Object.entries(modeButtons)) button.classList.toggle("active", name === mode);
    stepBar.hidden = !["forward", "reverse", "tangent"].includes(mode);
    practice.hidden = mode !== "practice";
    root.dataset.mode = mode;
    const missing = mode === "tangent" ? !(answer && answer.tangent && answer.tangent.input === state.tangentInput)
      : ["forward", "reverse", "practice"].includes(mode) && !(answer && answer.backward);
    if (missing) { drawNumbers(); update(); } else drawNumbers();
  }

  function go(step) {
    state.step = Math.max(0, Math.min(step, steps().length - 1));
    drawNumbers();
  }

  stepButtons.first.addEventListener("click", () => go(0));
  stepButtons.previous.addEventListener("click", () => go(state.step - 1));
  stepButtons.next.addEventListener("click", () => go(state.step + 1));
  stepButtons.last.addEventListener("click", () => go(steps().length - 1));
  tangentSelect.addEventListener("change", () => { state.tangentInput = tangentSelect.value; state.step = 0; update(); });
  root.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT" || stepBar.hidden) return;
    if (event.key === "ArrowRight") go(state.step + 1);
    if (event.key === "ArrowLeft") go(state.step - 1);
  });

  // Which numbers the current mode and step show: the heart of the stepping.
  function drawNumbers() {
    if (!answer) return;
    const all = steps();
    state.step = Math.min(state.step, all.length - 1);
    const k = state.step, mode = state.mode;
    const outputId = answer.output;
    const data = {}, grads = {};  // id -> [text, value, state]
    for (const node of answer.nodes) {
      data[node.id] = [`data ${node.value_text}`, node.value, "known"];
      grads[node.id] = node.grad === null ? ["grad –", "", "off"] : [`grad ${node.grad_text}`, node.grad, "known"];
    }
    let current = [], done = [], text = "";
    if (mode === "forward") {
      for (const node of answer.nodes) {
        if (node.kind === "operation") data[node.id] = ["data ?", "", "unknown"];
        grads[node.id] = ["grad ?", "", "unknown"];
      }
      for (let i = 1; i <= k; i++) {
        const step = all[i], node = nodeById.get(step.node);
        data[node.id] = [`data ${node.value_text}`, node.value, "known"];
        const edges = [...(inEdges.get(node.id) || []).map((e) => e.id), `${node.id}-out`];
        (i === k ? current : done).push(...edges);
        if (i === k) current.push(node.id);
      }
      const leaves = answer.variables.map((name) => `${name} = ${short(answer.values[name])}`).join(", ");
      text = k === 0 ? `The inputs are known: ${leaves}. Next runs the forward pass, one operation at a time.`
        : `Forward ${k}/${all.length - 1}: ${all[k].text}`;
    } else if (mode === "reverse" || mode === "practice") {
      for (const node of answer.nodes) if (node.grad !== null) grads[node.id] = ["grad ?", "", "unknown"];
      grads[outputId] = ["grad 1", 1, "known"];
      for (let i = 1; i <= k; i++) {
        const step = all[i];
        grads[step.parent] = [`grad ${step.total_text}`, step.total, "known"];
        (i === k ? current : done).push(step.edge);
        if (i === k) current.push(step.node, step.parent);
      }
      text = k === 0 ? `The backward pass starts at the output: d${answer.output_name}/d${answer.output_name} = 1.`
        : `Backward ${k}/${all.length - 1}: ${all[k].text}`;
      if (k === all.length - 1 && k > 0) {
        text += "  Done: " + answer.variables.map((n) => `d${answer.output_name}/d${n} = ${short(answer.gradients[n])}`).join("; ") + ".";
      }
    } else if (mode === "tangent") {
      const tangent = answer.tangent;
      const input = tangent ? tangent.input : state.tangentInput;
      for (const node of answer.nodes) {
        if (node.kind === "operation") grads[node.id] = [`d/d${input} ?`, "", node.grad === null && !onPath(node) ? "off" : "unknown"];
        else grads[node.id] = [`d/d${input} ${node.name === input && node.kind === "input" ? 1 : 0}`,
          node.name === input && node.kind === "input" ? 1 : 0, "known"];
      }
      for (let i = 1; i <= k; i++) {
        const step = all[i];
        grads[step.node] = [`d/d${input} ${step.tangent_text}`, step.tangent, "known"];
        const edges = [...(inEdges.get(step.node) || []).map((e) => e.id), `${step.node}-out`];
        (i === k ? current : done).push(...edges);
        if (i === k) current.push(step.node);
      }
      text = !tangent ? "…" : k === 0 ? `Forward mode from ${input}: one pass of Dual numbers (value, d/d${input}). ` +
        `It starts with ${tangent.seeds}.` : `Forward mode ${k}/${all.length - 1}: ${all[k].text}`;
      if (tangent && k === all.length - 1 && k > 0) text += `  ${tangent.text}`;
    } else {
      text = `Every value and d${answer.output_name}/d(value) at once. Drag a slider, click a value, hover an edge.`;
    }
    for (const node of answer.nodes) {
      view.setField(node.id, "data", ...data[node.id]);
      view.setField(node.id, "grad", ...grads[node.id]);
    }
    view.mark("current", current);
    view.mark("done", done);
    view.mark("output", [outputId]);
    view.mark("selected", state.inspect ? [state.inspect] : []);
    view.mark("off", answer.nodes.filter((n) => n.grad === null).map((n) => n.id));
    explanation.textContent = text;
    counter.textContent = `step ${k} of ${all.length - 1}`;
    stepButtons.first.disabled = stepButtons.previous.disabled = k === 0;
    stepButtons.next.disabled = stepButtons.last.disabled = k === all.length - 1;
    root.dataset.step = String(k);
    // While practising, the inputs' gradients would give the answers away: they wait until Explore.
    inputsTable.classList.toggle("pg-answers-hidden", mode === "practice");
    if (mode === "practice") askQuestion();
  }

  function onPath(node) { return node.grad !== null; }

  // --- practice: predict the next gradient of the reverse pass ---------------------------
  function askQuestion() {
    const all = steps();
    score.textContent = `Score: ${state.score.right} right of ${state.score.asked}`;
    root.dataset.score = `${state.score.right}/${state.score.asked}`;
    if (state.answered !== null && state.answered === state.step - 1) {  // just answered: the verdict stays
      guessBox.disabled = guessButton.disabled = true;
      nextQuestion.hidden = false;
      return;
    }
    nextQuestion.hidden = true;
    feedback.textContent = "";
    feedback.className = "pg-feedback";
    const next = all[state.step + 1];
    if (!next) {
      question.textContent = all.length > 1 ? "That was the last edge: every gradient is known. Choose another output or expression to practise more."
        : "This graph has no edges to practise on.";
      guessBox.disabled = guessButton.disabled = true;
      return;
    }
    const node = nodeById.get(next.node), out = answer.output_name;
    const already = next.before === null ? "" : ` It already holds ${short(next.before)} from an earlier edge: add to it.`;
    question.textContent = `Edge ${state.step + 1} of ${all.length - 1}: ${node.name} = ${node.expression} = ${node.numbers}, ` +
      `and d${out}/d${node.name} = ${short(next.upstream)}. What is d${out}/d${next.parent_name} after this edge?${already}`;
    guessBox.disabled = guessButton.disabled = false;
  }

  function checkGuess() {
    const next = steps()[state.step + 1];
    if (!next || state.answered === state.step - 1) return;
    const typed = guessBox.value.trim().replace("−", "-");
    const guess = Number(typed);
    if (typed === "" || !Number.isFinite(guess)) {
      feedback.textContent = "Type a number, like 0.25 or -1.5e-3.";
      return;
    }
    const truth = asFloat(next.total);
    const right = Math.abs(guess - truth) <= PRACTICE_ABSOLUTE + PRACTICE_RELATIVE * Math.abs(truth);
    state.score.asked += 1;
    if (right) state.score.right += 1;
    root.dataset.lastVerdict = right ? "right" : "wrong";
    state.answered = state.step;
    go(state.step + 1);  // reveal the edge just answered; askQuestion keeps the verdict below
    feedback.className = `pg-feedback ${right ? "right" : "wrong"}`;
    feedback.textContent = (right ? `Right: ${next.total_text}.` : `Not quite: you said ${typed}; it is ${next.total_text}.`) +
      `  The arithmetic: ${next.text}`;
  }

  guessButton.addEventListener("click", checkGuess);
  guessBox.addEventListener("keydown", (event) => { if (event.key === "Enter") checkGuess(); });
  nextQuestion.addEventListener("click", () => {
    state.answered = null; guessBox.value = ""; feedback.textContent = ""; askQuestion(); guessBox.focus();
  });

  // --- the inspector: one value, its local derivatives, and the chain rule as paths -------
  function renderInspector() {
    const node = state.inspect && nodeById.get(state.inspect);
    inspector.hidden = !node;
    if (!node) { view.mark("path", []); return; }
    const out = answer.output_name;
    const parts = [h("button", { type: "button", class: "pg-close", text: "×", title: "close",
      onclick: () => { state.inspect = null; update(); } }), h("h3", { class: "pg-inspect-name", text: node.name })];
    if (node.kind === "operation") {
      parts.push(h("div", { class: "pg-inspect-op", text: `${node.name} = ${node.expression} = ${node.numbers} = ${node.value_text}` }));
    } else {
      parts.push(h("div", { class: "pg-inspect-op", text: node.kind === "input" ? `${node.name}: an input` : `${node.name}: a constant` }));
    }
    parts.push(h("div", { class: "pg-inspect-value", "data-value": String(node.value), text: `value ${node.value_text}` }));
    parts.push(h("div", { class: "pg-inspect-grad", "data-value": node.grad === null ? "" : String(node.grad),
      text: node.grad === null ? `d${out}/d${node.name}: ${out} does not depend on ${node.name}` : `d${out}/d${node.name} = ${node.grad_text}` }));
    const locals = inEdges.get(node.id) || [];
    if (locals.length) {
      parts.push(h("h4", { text: "Local derivatives (the table of primitives)" }));
      parts.push(h("ul", { class: "pg-locals" }, locals.map((e) =>
        h("li", { "data-edge": e.id, "data-value": String(e.local), text: `${e.derivative} = ${e.formula} = ${e.formula_numbers} = ${e.local_text}` }))));
    }
    const paths = answer.paths && answer.paths.node === node.id ? answer.paths : null;
    if (paths) {
      parts.push(h("h4", { text: `The chain rule: d${out}/d${node.name}, a sum over ${paths.count} path${paths.count === 1 ? "" : "s"}` }));
      const list = h("ol", { class: "pg-paths" }, paths.paths.map((p) => h("li", {
        "data-value": String(p.product), text: p.text,
        onmouseenter: () => view.mark("path", [...p.edges, ...p.edges.map((e) => e.split("-")[0])]),
        onmouseleave: () => view.mark("path", []) })));
      parts.push(list, h("div", { class: "pg-paths-sum", "data-value": paths.sum === null ? "" : String(paths.sum), text: paths.text }));
    }
    if (node.kind === "input" && answer.check) {
      const entry = answer.check.entries.find((e) => e.name === node.name);
      if (entry) parts.push(h("div", { class: "pg-inspect-check", text:
        `check: reverse ${entry.reverse_text}, forward ${entry.forward_text}, central difference ${entry.numeric_text} ${entry.ok ? "✓" : "✗"} ${entry.note}` }));
    }
    if (node.id !== answer.output && (node.kind === "operation" || node.kind === "input")) {
      parts.push(h("button", { type: "button", class: "pg-make-output", text: `Make ${node.name} the output`,
        onclick: () => chooseOutput(node.id) }));
    }
    inspector.replaceChildren(...parts);
    inspector.dataset.node = node.id;
  }

  function chooseOutput(id) {
    state.output = id === (answer && answer.root) ? null : id;
    state.step = 0; state.answered = null;
    update();
  }
  outputSelect.addEventListener("change", () => chooseOutput(outputSelect.value));

  function showEdge(id, event) {
    const edge = edgeById.get(id);
    if (!edge) { tooltip.hidden = true; return; }
    tooltip.textContent = edge.text || `${edge.derivative} = ${edge.formula} = ${edge.local_text}; ` +
      `not on a path from ${answer.output_name}, so nothing flows along it`;
    tooltip.dataset.edge = id;
    tooltip.hidden = false;
    const box = root.getBoundingClientRect();
    tooltip.style.left = `${event.clientX - box.left + 12}px`;
    tooltip.style.top = `${event.clientY - box.top + 12}px`;
  }

  // --- the check: reverse mode, forward mode and central differences side by side --------
  checkButton.addEventListener("click", () => { state.check = !state.check; update(); });

  function renderCheck() {
    checkButton.textContent = state.check ? "Stop checking" : "Check against central differences";
    checkButton.classList.toggle("active", state.check);
    inputsTable.querySelector(".pg-check-head").textContent = state.check ? "central difference" : "";
    const check = state.check && answer.check;
    for (const row of inputsTable.querySelectorAll("tr[data-name]")) {
      const cell = row.querySelector(".pg-input-check");
      const entry = check && check.entries.find((e) => e.name === row.dataset.name);
      cell.textContent = entry ? `${entry.numeric_text} ${entry.ok ? "✓" : "✗"}` : "";
      cell.dataset.value = entry ? String(entry.numeric) : "";
      cell.title = entry ? `reverse ${entry.reverse_text}, forward ${entry.forward_text}, central difference ${entry.numeric_text}. ${entry.note}` : "";
    }
    checkBox.replaceChildren();
    if (!check) return;
    checkBox.append(h("div", { class: `pg-check-verdict ${check.ok ? "right" : "wrong"}`, text: check.ok
      ? "reverse mode, forward mode and central differences agree"
      : (check.entries.length ? "they disagree here (a kink, a steep point, or an undefined value?)" : check.text) }));
    for (const entry of check.entries.filter((e) => e.note)) checkBox.append(h("div", { class: "pg-check-note", text: `${entry.name}: ${entry.note}` }));
  }

  // --- descend: gradient descent on the inputs, with the output as the loss ---------------
  async function descend(count) {
    const rate = Number(rateBox.value);
    if (!answer || !Number.isFinite(rate)) { lossNote.textContent = "the learning rate must be a number"; return; }
    for (let i = 0; i < count; i++) {
      if (state.losses.length === 0) state.losses.push(asFloat(answer.value));
      for (const name of answer.variables) {
        const g = answer.gradients[name];
        if (isNumber(g)) state.values[name] = state.values[name] - rate * g;
      }
      const reply = await update();
      if (reply.status !== 200) break;
      state.losses.push(asFloat(answer.value));
    }
    drawPlot();
  }
  descendOne.addEventListener("click", () => descend(1));
  descendTen.addEventListener("click", () => descend(10));
  descendReset.addEventListener("click", () => { state.losses = []; drawPlot(); });

  function drawPlot() {
    const losses = state.losses.filter(Number.isFinite);
    plot.replaceChildren();
    root.dataset.losses = JSON.stringify(state.losses);
    if (losses.length < 2) { lossNote.textContent = losses.length ? "" : "Each step moves every input against its gradient."; return; }
    const width = 240, height = 90, low = Math.min(...losses), high = Math.max(...losses);
    const span = high - low || 1;
    const points = losses.map((loss, i) => `${(i / (losses.length - 1)) * (width - 10) + 5},${height - 5 - ((loss - low) / span) * (height - 10)}`);
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("class", "pg-loss-plot");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
    line.setAttribute("points", points.join(" "));
    svg.append(line);
    plot.append(svg);
    lossNote.textContent = `${answer.output_name}: ${short(losses[0])} → ${short(losses[losses.length - 1])} after ${losses.length - 1} step${losses.length === 2 ? "" : "s"}`;
  }

  // --- share and export ---------------------------------------------------------------
  linkButton.addEventListener("click", async () => {
    linkBox.value = options.link ? options.link() : "";
    linkBox.select();
    try { await navigator.clipboard.writeText(linkBox.value); linkButton.textContent = "Copied"; }
    catch (error) { linkButton.textContent = "Copy link"; }
  });

  function download(text, filename, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    downloadLink.href = url;
    downloadLink.download = filename;
    downloadLink.textContent = `download ${filename} again`;
    downloadLink.hidden = false;
    downloadLink.click();
    root.dataset.exported = filename;
  }
  stepperButton.addEventListener("click", async () => {
    const reply = await transport.request("stepper", body());
    if (reply.status === 200) download(reply.data.html, reply.data.filename, "text/html");
    else showError(reply.data);
  });
  svgButton.addEventListener("click", () => download(view.svgText(EXPORT_STYLE), "graph.svg", "image/svg+xml"));

  // --- typing an expression ---------------------------------------------------------------
  let typingTimer = null;
  expressionBox.addEventListener("input", () => {
    if (!editable) return;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => setExpression(expressionBox.value), TYPING_PAUSE_MS);
  });

  function setExpression(text) {
    if (text === state.expression) return update();
    state.expression = text;
    expressionBox.value = text;
    state.output = null; state.inspect = null; state.step = 0; state.answered = null; state.losses = [];
    drawPlot();
    return update();
  }

  setMode("explore");
  const ready = update();
  const api = { state, timings, view, ready, update, setExpression, setValue, chooseOutput,
    answer: () => answer, inspect: (id) => { state.inspect = id; return update(); } };
  root.playground = api;
  return api;
}
