// widget.js: the playground in a notebook (anywidget). The front end is the page's own;
// this file only connects it to the kernel.
//
// The two modules arrive as text in the widget's model (a notebook cannot import files
// relative to this one) and are imported from Blob URLs. Each request becomes a custom
// message {id, kind, body}; the kernel answers {id, status, json} (autograd/playground/widget.py).

async function importText(source) {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try { return await import(url); } finally { URL.revokeObjectURL(url); }
}

async function render({ model, el }) {
  const [{ GraphView }, { mountPlayground }] = await Promise.all([
    importText(model.get("_graph_view")), importText(model.get("_app"))]);
  const view = Math.random().toString(36).slice(2);  // several views of one widget: answers stay apart
  const pending = new Map();
  let count = 0;
  const onMessage = (message) => {
    if (!message || !pending.has(message.id)) return;
    pending.get(message.id)({ status: message.status, data: JSON.parse(message.json) });
    pending.delete(message.id);
  };
  model.on("msg:custom", onMessage);
  const transport = {
    request(kind, body) {
      return new Promise((resolve) => {
        const id = `${view}-${count++}`;
        pending.set(id, resolve);
        model.send({ id, kind, body });
      });
    },
  };
  const root = document.createElement("div");
  // Keys typed into the playground (arrow keys on a slider, digits in a box) are the learner's,
  // not JupyterLab's shortcuts: Lumino skips elements that carry this attribute.
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  el.appendChild(root);
  mountPlayground(root, {
    GraphView, transport, initial: model.get("initial"), editable: model.get("editable"), shareable: false,
    onState: (state) => { model.set("state", state); model.save_changes(); },
  });
  return () => model.off("msg:custom", onMessage);
}

export default { render };
