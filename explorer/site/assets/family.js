// Controls of a family view: colour switch, layout switch, search. Uses the `network` and
// `nodes` globals of the pyvis page. Text from the data goes into the page only through
// textContent and .value, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("hfl-data").textContent);
  var body = document.body;

  function markDrawn() {
    body.setAttribute("data-drawn-nodes", String(nodes.length));
    body.setAttribute("data-rendered", "1");
  }
  network.on("afterDrawing", markDrawn);
  network.redraw();

  function recolour(mode) {
    var updates = [];
    for (var i = 0; i < data.drawn; i++) {
      if (data.kinds[i] === "more") continue;
      var c = data.colours[mode][i];
      updates.push({ id: i, color: data.stub[i] ? { background: "#ffffff", border: c } : c });
    }
    nodes.update(updates);
    var legends = document.querySelectorAll("ul.legend");
    for (var j = 0; j < legends.length; j++) {
      legends[j].hidden = !legends[j].classList.contains("by-" + mode);
    }
    body.setAttribute("data-colour-by", mode);
  }

  function relayout(name) {
    var pos = data.positions[name];
    var updates = [];
    for (var i = 0; i < pos.length; i++) updates.push({ id: i, x: pos[i][0], y: pos[i][1] });
    nodes.update(updates);
    network.fit({ animation: false });
    body.setAttribute("data-layout", name);
  }

  var lower = data.search.map(function (row) { return row[0].toLowerCase(); });
  var input = document.getElementById("hfl-search");
  var list = document.getElementById("hfl-ids");
  var found = document.getElementById("hfl-found");

  function matches(q, limit) {
    q = q.trim().toLowerCase();
    var out = [];
    if (!q) return out;
    var exact = lower.indexOf(q);
    if (exact >= 0) out.push(exact);
    for (var i = 0; i < lower.length && out.length < limit; i++) {
      if (i !== exact && lower[i].indexOf(q) >= 0) out.push(i);
    }
    return out;
  }

  input.addEventListener("input", function () {
    while (list.firstChild) list.removeChild(list.firstChild);
    var m = matches(input.value, 30);
    for (var i = 0; i < m.length; i++) {
      var opt = document.createElement("option");
      opt.value = data.search[m[i]][0];
      list.appendChild(opt);
    }
  });

  function find(q) {
    var m = matches(q, 1000);
    if (!m.length) {
      found.textContent = "no model in this view matches";
      network.unselectAll();
      body.setAttribute("data-found", "");
      return;
    }
    var row = data.search[m[0]];
    var key = row[1];
    network.selectNodes([key]);
    network.focus(key, { scale: 1.1, animation: false });
    var kind = data.kinds[key];
    var where = kind === "group" ? " (inside the count node \u201c" + data.labels[key] + "\u201d)"
      : kind === "more" ? " (not drawn: inside \u201c" + data.labels[key] + "\u201d)" : "";
    found.textContent = (m.length > 1 ? m.length + (m.length >= 1000 ? "+" : "") +
      " matches; " : "") + row[0] + where;
    body.setAttribute("data-found", row[0]);
  }

  document.getElementById("hfl-find").addEventListener("submit", function (ev) {
    ev.preventDefault();
    find(input.value);
  });
  document.getElementById("hfl-colour").addEventListener("change", function (ev) {
    recolour(ev.target.value);
  });
  document.getElementById("hfl-layout").addEventListener("change", function (ev) {
    relayout(ev.target.value);
  });
  body.setAttribute("data-colour-by", data.colourBy);
  body.setAttribute("data-layout", data.layout);

  if (location.hash.length > 1) {
    var wanted = "";
    try { wanted = decodeURIComponent(location.hash.slice(1)); } catch (e) { wanted = ""; }
    if (wanted) { input.value = wanted; find(wanted); }
  }
})();
