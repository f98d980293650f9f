// The chain-rule stepper: Previous / Next / Play over the steps that autograd.stepper wrote into the page.
// One call per stepper: `root` is its <div>, `prefix` the prefix of its SVG ids (several steppers share a page).
// The state after step k is rebuilt by replaying steps 1..k, so stepping back is exact.

/* exported autogradStepper */
function autogradStepper(root, prefix) {
  "use strict";
  var data = JSON.parse(root.querySelector("script.stepper-data").textContent);
  var steps = data.steps;
  var speed = root.querySelector("select.speed");
  var timer = null;
  var at = 0;

  function element(id) { return root.querySelector('[id="' + prefix + id + '"]'); }
  function field(nodeId, name) { var g = element(nodeId); return g ? g.querySelector("text." + name) : null; }
  function setText(text, content, value, known) {
    if (!text) return;
    text.textContent = content;
    text.setAttribute("data-value", value);
    text.classList.toggle("unknown", !known);
    text.classList.toggle("known", known);
  }
  function mark(id, cls) { var e = element(id); if (e) e.classList.add(cls); }

  function reset() {
    root.querySelectorAll("g.current, g.done, g.source").forEach(function (g) {
      g.classList.remove("current", "done", "source");
    });
    Object.keys(data.nodes).forEach(function (id) {
      var node = data.nodes[id];
      if (node.leaf) setText(field(id, "data"), node.data, node.dataValue, true);
      else setText(field(id, "data"), "data ?", "", false);
      setText(field(id, "grad"), "grad ?", "", false);
    });
  }

  function apply(step, current) {
    if (step.kind === "forward") {
      setText(field(step.node, "data"), step.data, step.value, true);
    } else if (step.kind === "seed" || step.kind === "backward") {
      setText(field(step.parent || step.node, "grad"), step.grad, step.value, true);
    }
    (step.edges || []).forEach(function (e) { mark(e, current ? "current" : "done"); });
    if (current && step.node) mark(step.node, "current");
    if (current && step.parent) mark(step.parent, "source");
  }

  function show(k) {
    at = Math.max(0, Math.min(k, steps.length - 1));
    reset();
    for (var i = 1; i <= at; i++) apply(steps[i], i === at);
    root.querySelector(".explanation").textContent = steps[at].text;
    root.querySelector(".counter").textContent = "step " + at + " of " + (steps.length - 1);
    root.querySelector("button.previous").disabled = at === 0;
    root.querySelector("button.next").disabled = at === steps.length - 1;
    root.querySelectorAll("table.steps tr.current").forEach(function (r) { r.classList.remove("current"); });
    if (steps[at].row) {
      var row = root.querySelector('table.steps tr[data-row="' + steps[at].row + '"]');
      if (row) row.classList.add("current");
    }
    root.setAttribute("data-step", String(at));
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    root.querySelector("button.play").textContent = "Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (at === steps.length - 1) show(0);
    root.querySelector("button.play").textContent = "Pause";
    timer = setInterval(function () {
      if (at >= steps.length - 1) { stop(); return; }
      show(at + 1);
    }, Number(speed.value));
  }

  root.querySelector("button.first").addEventListener("click", function () { stop(); show(0); });
  root.querySelector("button.previous").addEventListener("click", function () { stop(); show(at - 1); });
  root.querySelector("button.next").addEventListener("click", function () { stop(); show(at + 1); });
  root.querySelector("button.last").addEventListener("click", function () { stop(); show(steps.length - 1); });
  root.querySelector("button.play").addEventListener("click", play);
  root.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { stop(); show(at + 1); }
    if (event.key === "ArrowLeft") { stop(); show(at - 1); }
  });
  show(0);
}
