// A family view: draws the graph from the page's JSON block with vis-network, and adds the
// controls (colour and layout switches, chain folding, search with next/previous, details
// panel by click, tap or keyboard, "make this the root"). Text from the data goes into the
// page through textContent and .value; only the details HTML, escaped when the page was
// written, goes through innerHTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("hfl-data").textContent);
  var body = document.body;
  var container = document.getElementById("mynetwork");
  var nodes = new vis.DataSet(data.vis.nodes);
  var edges = new vis.DataSet(data.vis.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.vis.options);
  window.nodes = nodes;
  window.edges = edges;
  window.network = network;

  var total = data.vis.nodes.length;
  var state = { layout: data.layout, fold: "folded", root: -1, current: -1 };

  function markDrawn() {
    body.setAttribute("data-drawn-nodes", String(data.drawn));
    body.setAttribute("data-rendered", "1");
  }
  network.on("afterDrawing", markDrawn);
  network.redraw(); // draws now: a tab opened in the background gets no animation frames

  // -- which nodes are drawn: chain folding and "make this the root" -----------------------
  function parentsNow() { return data.parents[state.fold]; }

  function inSubtree(root) {
    var parents = parentsNow();
    var memo = {};
    function under(v) {
      var path = [];
      var u = v;
      while (u >= 0 && memo[u] === undefined && u !== root) { path.push(u); u = parents[u]; }
      var res = u === root ? true : (u >= 0 ? memo[u] : false);
      for (var i = 0; i < path.length; i++) memo[path[i]] = res;
      return res;
    }
    return under;
  }

  function shown(v, under) {
    if (parentsNow()[v] === -2) return false;
    return state.root < 0 || under(v);
  }

  // Labels are placed per layout and folding so that none covers another (the page says
  // which get one, and how large); a label left off stays in the details and the search.
  function labelUpdates() {
    var out = {};
    data.labelFonts[state.layout][state.fold].forEach(function (pair) {
      var font = pair[1];
      out[pair[0]] = font ? { label: data.labels[pair[0]], font: { size: font } } : { label: "" };
    });
    return out;
  }

  function refresh(fit) {
    var pos = data.positions[state.layout][state.fold];
    var under = state.root >= 0 ? inSubtree(state.root) : null;
    var labels = labelUpdates();
    var updates = [];
    for (var i = 0; i < total; i++) {
      var u = { id: i, x: pos[i][0], y: pos[i][1], hidden: !shown(i, under) };
      if (labels[i]) { u.label = labels[i].label; if (labels[i].font) u.font = labels[i].font; }
      updates.push(u);
    }
    nodes.update(updates);
    if (fit) network.fit({ animation: false });
    body.setAttribute("data-layout", state.layout);
    body.setAttribute("data-fold", state.fold);
    body.setAttribute("data-root", String(state.root));
    document.getElementById("hfl-all").hidden = state.root < 0;
  }

  function visibleKeys() {
    var parents = parentsNow();
    var under = state.root >= 0 ? inSubtree(state.root) : null;
    var out = [];
    for (var i = 0; i < total; i++) if (parents[i] !== -2 && shown(i, under)) out.push(i);
    return out;
  }

  // -- colours -------------------------------------------------------------------------
  function recolour(mode) {
    var updates = [];
    for (var i = 0; i < data.drawn; i++) {
      if (data.kinds[i] === "more") continue;
      var c = data.colours[mode][i];
      updates.push({ id: i, color: data.stub[i] ? { background: "#ffffff", border: c } : c });
    }
    nodes.update(updates);
    var legends = document.querySelectorAll("ul.legend.by-country, ul.legend.by-relation");
    for (var j = 0; j < legends.length; j++) {
      legends[j].hidden = !legends[j].classList.contains("by-" + mode);
    }
    body.setAttribute("data-colour-by", mode);
  }

  // -- details: hover tooltip, click/tap/Enter panel --------------------------------------
  var popup = document.querySelector("div.popup");
  var panel = document.getElementById("hfl-details");
  var panelBody = document.getElementById("hfl-details-body");
  var unfoldButton = document.getElementById("hfl-unfold");
  var focusButton = document.getElementById("hfl-focus");

  network.on("hoverNode", function (params) {
    popup.innerHTML = data.titles[params.node];
    var x = params.pointer.DOM.x, y = params.pointer.DOM.y; // relative to the card
    var flip = x > container.clientWidth / 2; // keep the tooltip on the canvas
    popup.style.left = flip ? "auto" : (x + 14) + "px";
    popup.style.right = flip ? (container.clientWidth - x + 14) + "px" : "auto";
    popup.style.top = (y + 14) + "px";
    popup.hidden = false;
  });
  network.on("blurNode", function () { popup.hidden = true; });
  network.on("dragStart", function () { popup.hidden = true; });

  function select(key, focus) {
    state.current = key;
    network.selectNodes([key]);
    if (focus) network.focus(key, { scale: Math.max(network.getScale(), 0.9), animation: false });
    body.setAttribute("data-current", String(key));
  }

  // Count and "+N more" nodes open into the list of the models they stand for.
  var LISTED = 300;
  function memberList(key) {
    var ids = [];
    for (var i = 0; i < data.search.length; i++) {
      if (data.search[i][1] === key) ids.push(data.search[i][0]);
    }
    var box = document.createElement("details");
    box.className = "members";
    var summary = document.createElement("summary");
    summary.textContent = "list the " + ids.length + " models, most downloaded first";
    box.appendChild(summary);
    var ol = document.createElement("ol");
    for (var j = 0; j < Math.min(ids.length, LISTED); j++) {
      var a = document.createElement("a");
      a.href = "https://huggingface.co/" + ids[j].split("/").map(encodeURIComponent).join("/");
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = ids[j];
      var li = document.createElement("li");
      li.appendChild(a);
      ol.appendChild(li);
    }
    box.appendChild(ol);
    if (ids.length > LISTED) {
      var rest = document.createElement("p");
      rest.textContent = "and " + (ids.length - LISTED) + " more: the search box finds each";
      box.appendChild(rest);
    }
    return box;
  }

  function openDetails(key) {
    select(key, false);
    popup.hidden = true;
    panelBody.innerHTML = data.titles[key];
    if (data.kinds[key] === "group" || data.kinds[key] === "more") {
      panelBody.appendChild(memberList(key));
    }
    unfoldButton.hidden = data.kinds[key] !== "chain";
    focusButton.hidden = data.kinds[key] === "more";
    panel.hidden = false;
    body.setAttribute("data-details", String(key));
  }

  function closeDetails() {
    panel.hidden = true;
    body.setAttribute("data-details", "");
  }

  network.on("click", function (params) {
    if (params.nodes.length) openDetails(params.nodes[0]);
    else closeDetails();
  });
  document.getElementById("hfl-close").addEventListener("click", function () {
    closeDetails();
    container.focus();
  });
  focusButton.addEventListener("click", function () {
    if (state.current < 0) return;
    state.root = state.current;
    refresh(true);
  });
  document.getElementById("hfl-all").addEventListener("click", function () {
    state.root = -1;
    refresh(true);
  });

  // Keyboard: arrows walk the drawn nodes (biggest subtrees first), Enter opens, Escape closes.
  container.addEventListener("keydown", function (ev) {
    var keys = visibleKeys();
    if (!keys.length) return;
    var at = keys.indexOf(state.current);
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") {
      select(keys[(at + 1) % keys.length], true);
    } else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") {
      select(keys[at <= 0 ? keys.length - 1 : at - 1], true);
    } else if (ev.key === "Enter" || ev.key === " ") {
      if (at < 0) select(keys[0], true);
      openDetails(state.current);
    } else if (ev.key === "Escape") {
      closeDetails();
    } else {
      return;
    }
    ev.preventDefault();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) { closeDetails(); container.focus(); }
  });

  // -- folding -------------------------------------------------------------------------
  var foldBox = document.getElementById("hfl-fold");
  function setFold(folded) {
    state.fold = folded ? "folded" : "unfolded";
    if (foldBox) foldBox.checked = folded;
    if (parentsNow()[state.root] === -2) state.root = -1;
    refresh(true);
  }
  if (foldBox) foldBox.addEventListener("change", function () { setFold(foldBox.checked); });
  unfoldButton.addEventListener("click", function () {
    var key = state.current;
    setFold(false);
    closeDetails();
    if (data.kinds[key] === "chain") select(data.chains[key - data.drawn][0], true);
  });

  // -- search: every match, next and previous ---------------------------------------------
  var lower = data.search.map(function (row) { return row[0].toLowerCase(); });
  var chainOf = {};
  for (var c = 0; c < data.chains.length; c++) {
    for (var m = 0; m < data.chains[c].length; m++) chainOf[data.chains[c][m]] = data.drawn + c;
  }
  var input = document.getElementById("hfl-search");
  var list = document.getElementById("hfl-ids");
  var found = document.getElementById("hfl-found");
  var prev = document.getElementById("hfl-prev");
  var next = document.getElementById("hfl-next");
  var hits = [];
  var hit = -1;

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
    var found30 = matches(input.value, 30);
    for (var i = 0; i < found30.length; i++) {
      var opt = document.createElement("option");
      opt.value = data.search[found30[i]][0];
      list.appendChild(opt);
    }
  });

  function show(i) {
    hit = (i + hits.length) % hits.length;
    var row = data.search[hits[hit]];
    var key = row[1];
    var where = "";
    if (state.fold === "folded" && chainOf[key] !== undefined) {
      key = chainOf[key];
      where = " (inside the folded \u201c" + data.labels[key] + "\u201d)";
    } else if (data.kinds[key] === "group") {
      where = " (inside the count node \u201c" + data.labels[key] + "\u201d)";
    } else if (data.kinds[key] === "more") {
      where = " (not drawn: inside \u201c" + data.labels[key] + "\u201d)";
    }
    if (state.root >= 0 && !inSubtree(state.root)(key)) { state.root = -1; refresh(false); }
    select(key, true);
    found.textContent = (hit + 1) + " of " + hits.length + ": " + row[0] + where;
    body.setAttribute("data-found", row[0]);
    body.setAttribute("data-hit", String(hit + 1));
  }

  function find(q) {
    hits = matches(q, data.search.length);
    prev.disabled = next.disabled = hits.length < 2;
    if (!hits.length) {
      found.textContent = "no model in this view matches";
      network.unselectAll();
      body.setAttribute("data-found", "");
      return;
    }
    show(0);
  }

  document.getElementById("hfl-find").addEventListener("submit", function (ev) {
    ev.preventDefault();
    find(input.value);
  });
  prev.addEventListener("click", function () { if (hits.length) show(hit - 1); });
  next.addEventListener("click", function () { if (hits.length) show(hit + 1); });
  document.getElementById("hfl-colour").addEventListener("change", function (ev) {
    recolour(ev.target.value);
  });
  document.getElementById("hfl-layout").addEventListener("change", function (ev) {
    state.layout = ev.target.value;
    refresh(true);
  });
  body.setAttribute("data-colour-by", data.colourBy);
  body.setAttribute("data-layout", data.layout);
  body.setAttribute("data-fold", state.fold);

  if (location.hash.length > 1) {
    var wanted = "";
    try { wanted = decodeURIComponent(location.hash.slice(1)); } catch (e) { wanted = ""; }
    if (wanted) { input.value = wanted; find(wanted); }
  }
})();
