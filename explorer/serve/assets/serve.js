/* hf-lineage serve: search, lineage, report and Cypher over the local JSON API.
   Every value from the server goes into the page as text (textContent), never as markup. */
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var W = 210, H = 44, GAP = 16, VGAP = 46, PAD = 16, PAGE = 12, RESULTS = 20;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function compact(n) {
    var units = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(n) >= units[i][0]) {
        var v = n / units[i][0];
        return (v < 10 ? v.toFixed(1) : v.toFixed(0)) + units[i][1];
      }
    }
    return String(Math.round(n));
  }
  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
  function idPath(id) { return id.split('/').map(encodeURIComponent).join('/'); }
  function status(node, text, isError) {
    node.textContent = text;
    node.className = isError ? 'error' : '';
  }
  function getJSON(url, options) {
    return fetch(url, options).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data && data.error ? data.error : 'HTTP ' + r.status);
        return data;
      });
    });
  }

  /* -- search ------------------------------------------------------------------------- */
  var search = {q: '', offset: 0};
  function runSearch() {
    var box = $('search-status');
    status(box, 'searching\u2026');
    var url = '/api/search?q=' + encodeURIComponent(search.q) + '&offset=' + search.offset +
      '&limit=' + RESULTS;
    getJSON(url).then(function (data) {
      var list = $('results');
      list.textContent = '';
      list.setAttribute('start', String(search.offset + 1));
      data.results.forEach(function (m) {
        var li = el('li');
        var b = el('button', {type: 'button'}, m.model_id);
        b.addEventListener('click', function () { openLineage(m.model_id); });
        li.appendChild(b);
        li.appendChild(el('span', {'class': 'small'},
          m.match + ' \u00b7 ' + compact(m.downloads) + ' downloads' + (m.stub ? ' \u00b7 stub' : '')));
        list.appendChild(li);
      });
      var shown = data.results.length;
      status(box, shown ? '' : 'no model id contains \u201c' + search.q + '\u201d');
      $('page-info').textContent = shown ?
        (search.offset + 1) + '\u2013' + (search.offset + shown) : '';
      $('prev').disabled = search.offset === 0;
      $('next').disabled = !data.more;
    }).catch(function (e) { status(box, e.message, true); });
  }
  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    search.q = $('q').value;
    search.offset = 0;
    runSearch();
  });
  $('prev').addEventListener('click', function () {
    search.offset = Math.max(0, search.offset - RESULTS); runSearch();
  });
  $('next').addEventListener('click', function () { search.offset += RESULTS; runSearch(); });

  /* -- lineage view --------------------------------------------------------------------- */
  var view = null;  // {center, nodes: {key: node}, order: [keys], edges: [...], selected}

  function addNode(key, props) {
    if (view.nodes[key]) return view.nodes[key];
    var node = Object.assign({key: key, seq: view.order.length, expanded: 0}, props);
    view.nodes[key] = node;
    view.order.push(key);
    return node;
  }
  function removeNode(key) {
    delete view.nodes[key];
    view.order = view.order.filter(function (k) { return k !== key; });
    view.edges = view.edges.filter(function (e) { return e.child !== key; });
  }
  function addChildren(parent, page) {
    page.children.forEach(function (c) {
      var known = view.nodes[c.model_id];
      addNode(c.model_id, {card: c, row: parent.row + 1, treeParent: parent.key, kind: 'model'});
      if (!known || !view.edges.some(function (e) {
        return e.child === c.model_id && e.parent === parent.key;
      })) view.edges.push({child: c.model_id, parent: parent.key, relation: c.relation});
    });
    parent.expanded = page.offset + page.children.length;
    var moreKey = 'more:' + parent.key;
    removeNode(moreKey);
    var left = page.total - parent.expanded;
    if (left > 0) {
      addNode(moreKey, {kind: 'more', row: parent.row + 1, treeParent: parent.key,
        owner: parent.key, left: left});
      view.edges.push({child: moreKey, parent: parent.key, relation: 'unknown'});
    }
  }

  function layout() {
    var rows = {};
    view.order.forEach(function (k) {
      var n = view.nodes[k];
      (rows[n.row] = rows[n.row] || []).push(n);
    });
    var levels = Object.keys(rows).map(Number).sort(function (a, b) { return a - b; });
    var place = {};
    var widest = 1;
    levels.forEach(function (level) {
      var row = rows[level];
      row.sort(function (a, b) {  // children sit under their parents, in parent order
        var pa = place[a.treeParent], pb = place[b.treeParent];
        var xa = pa ? pa.index : -1, xb = pb ? pb.index : -1;
        return xa - xb || (a.kind === 'more') - (b.kind === 'more') || a.seq - b.seq;
      });
      row.forEach(function (n, i) { place[n.key] = {index: i}; });
      widest = Math.max(widest, row.length);
    });
    // A long row wraps onto several lines as wide as the view, so nothing hides sideways.
    var fit = Math.floor(($('tree-wrap').clientWidth - 2 * PAD + GAP) / (W + GAP));
    var perLine = Math.max(3, Math.min(widest, fit));
    var width = 2 * PAD + perLine * W + (perLine - 1) * GAP;
    var line = 0;
    levels.forEach(function (level) {
      var row = rows[level];
      for (var first = 0; first < row.length; first += perLine) {
        var part = row.slice(first, first + perLine);
        var start = (width - (part.length * W + (part.length - 1) * GAP)) / 2;
        part.forEach(function (n, i) {
          n.x = start + i * (W + GAP);
          n.y = PAD + line * (H + VGAP);
        });
        line += 1;
      }
    });
    return {width: width, height: 2 * PAD + line * (H + VGAP) - VGAP};
  }

  function draw(focusKey) {
    var size = layout();
    var svg = $('tree');
    svg.textContent = '';
    svg.setAttribute('width', String(size.width));
    svg.setAttribute('height', String(size.height));
    view.edges.forEach(function (e) {
      var c = view.nodes[e.child], p = view.nodes[e.parent];
      if (!c || !p) return;
      var x1 = p.x + W / 2, y1 = p.y + H, x2 = c.x + W / 2, y2 = c.y;
      var mid = (y1 + y2) / 2;
      svg.appendChild(svgEl('path', {'class': e.relation,
        d: 'M' + x1 + ' ' + y1 + ' C' + x1 + ' ' + mid + ' ' + x2 + ' ' + mid + ' ' + x2 + ' ' + y2}));
    });
    view.order.forEach(function (k) { svg.appendChild(drawNode(view.nodes[k])); });
    if (focusKey) {
      var target = svg.querySelector('g[data-key="' + CSS.escape(focusKey) + '"]');
      if (target) target.focus();
    }
  }

  function drawNode(n) {
    var classes = ['node', n.kind];
    if (n.key === view.center) classes.push('center');
    if (n.card && n.card.stub) classes.push('stub');
    if (n.key === view.selected) classes.push('selected');
    var g = svgEl('g', {'class': classes.join(' '), tabindex: '0', role: 'button',
      transform: 'translate(' + n.x + ',' + n.y + ')', 'data-key': n.key});
    g.appendChild(svgEl('rect', {width: W, height: H, rx: 6}));
    var line1, line2, label;
    if (n.kind === 'more') {
      line1 = '+' + n.left.toLocaleString('en') + ' more';
      line2 = 'choose to show ' + Math.min(PAGE, n.left) + ' more';
      label = line1 + ' children of ' + n.owner;
    } else {
      var id = n.key, cut = id.indexOf('/');
      line1 = clip(cut >= 0 ? id.slice(cut + 1) : id, 28);
      line2 = clip(cut >= 0 ? id.slice(0, cut) : '', 16) + ' \u00b7 \u2193' +
        compact(n.card.downloads) + ' \u00b7 ' + n.card.children + ' children';
      label = id + ', ' + n.card.downloads + ' downloads, ' + n.card.children + ' children';
    }
    g.appendChild(svgEl('text', {x: 8, y: 18}, line1));
    g.appendChild(svgEl('text', {x: 8, y: 35, 'class': 'small'}, line2));
    g.appendChild(svgEl('title', {}, label));
    g.setAttribute('aria-label', label);
    g.addEventListener('click', function () { choose(n.key); });
    g.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); choose(n.key); }
      else if (ev.key === 'e' && n.kind === 'model') expand(n.key);
      else if (ev.key === 'r' && n.kind === 'model') openLineage(n.key);
    });
    return g;
  }

  function choose(key) {
    var n = view.nodes[key];
    if (!n) return;
    if (n.kind === 'more') { expand(n.owner); return; }
    view.selected = key;
    draw(key);
    showDetails(key);
  }

  function expand(key) {
    var n = view.nodes[key];
    if (!n || n.kind !== 'model' || n.expanded >= n.card.children) return;
    getJSON('/api/children/' + idPath(key) + '?offset=' + n.expanded + '&limit=' + PAGE)
      .then(function (page) { addChildren(n, page); draw(key); })
      .catch(function (e) { status($('lineage-status'), e.message, true); });
  }

  function showDetails(key) {
    var box = $('details');
    getJSON('/api/model/' + idPath(key)).then(function (m) {
      box.textContent = '';
      box.appendChild(el('h3', {}, m.model_id));
      var dl = el('dl');
      [['author', m.author], ['family', m.family], ['country', m.country],
       ['pipeline', m.pipeline_tag], ['library', m.library_name], ['created', m.created_at],
       ['downloads (30 d)', m.downloads.toLocaleString('en')],
       ['downloads (all time)', m.downloads_all_time.toLocaleString('en')],
       ['likes', m.likes], ['parents', m.parents], ['children', m.children],
       ['depth', m.depth], ['stub', m.stub ? 'yes (named as a parent, not in the data)' : 'no']]
        .forEach(function (pair) {
          dl.appendChild(el('dt', {}, pair[0]));
          dl.appendChild(el('dd', {}, pair[1] === null ? '\u2013' : pair[1]));
        });
      box.appendChild(dl);
      var n = view.nodes[key];
      if (m.children > 0 && n && n.expanded < m.children) {
        var more = el('button', {type: 'button', id: 'expand'},
          'Show children (' + (m.children - n.expanded) + ' not shown)');
        more.addEventListener('click', function () { expand(key); });
        box.appendChild(more);
      }
      if (key !== view.center) {
        var reroot = el('button', {type: 'button', id: 'reroot'}, 'Lineage of this model');
        reroot.addEventListener('click', function () { openLineage(key); });
        box.appendChild(reroot);
      }
      var a = el('a', {href: m.hub_url, rel: 'noopener noreferrer', target: '_blank'},
        'Open on the Hub');
      box.appendChild(el('span', {}, ' '));
      box.appendChild(a);
    }).catch(function (e) { status(box, e.message, true); });
  }

  function summary(data) {
    var box = $('lineage-summary');
    box.textContent = '';
    var m = data.model, d = data.descendants;
    box.appendChild(el('p', {}, m.family + ' family \u00b7 ' + m.country + ' \u00b7 ' +
      data.ancestors.models.length + ' ancestors' +
      (data.ancestors.truncated ? ' (most downloaded shown)' : '') + ' \u00b7 ' +
      d.total.toLocaleString('en') + ' descendants with ' + compact(d.downloads) +
      ' downloads'));
    var roots = el('p', {}, 'Roots (split weight): ');
    data.roots.forEach(function (r, i) {
      var b = el('button', {type: 'button'}, r.model_id + ' (' + r.weight.toFixed(3) + ')');
      b.addEventListener('click', function () { openLineage(r.model_id); });
      if (i) roots.appendChild(document.createTextNode(' '));
      roots.appendChild(b);
    });
    box.appendChild(roots);
    var parts = Object.keys(d.edges_by_relation).map(function (k) {
      return k + ' ' + d.edges_by_relation[k]; });
    var depths = Object.keys(d.by_depth).map(function (k) { return k + ': ' + d.by_depth[k]; });
    if (parts.length) box.appendChild(el('p', {}, 'Edges into descendants by relation: ' + parts.join(', ') +
      '; by distance: ' + depths.join(', ')));
  }

  function openLineage(id) {
    var box = $('lineage-status');
    status(box, 'loading the lineage of ' + id + '\u2026');
    getJSON('/api/lineage/' + idPath(id)).then(function (data) {
      var m = data.model;
      view = {center: m.model_id, nodes: {}, order: [], edges: [], selected: m.model_id};
      data.ancestors.models.forEach(function (a) {
        addNode(a.model_id, {card: a, row: a.depth - m.depth, kind: 'model'});
      });
      var center = addNode(m.model_id, {card: m, row: 0, kind: 'model'});
      data.ancestors.edges.forEach(function (e) { view.edges.push(e); });
      addChildren(center, data.children);
      status(box, 'Lineage of ' + m.model_id);
      summary(data);
      draw(m.model_id);
      showDetails(m.model_id);
      history.replaceState(null, '', '#model=' + encodeURIComponent(m.model_id));
    }).catch(function (e) { status(box, e.message, true); });
  }

  /* -- report --------------------------------------------------------------------------- */
  function loadReport() {
    var by = $('report-by').value, v = $('report-view').value;
    getJSON('/api/report?by=' + by + '&view=' + v).then(function (data) {
      var body = $('report').tBodies[0];
      body.textContent = '';
      var top = data.rows.length ? Math.max.apply(null, data.rows.map(function (r) {
        return r.share; })) : 1;
      data.rows.forEach(function (r) {
        var tr = el('tr');
        tr.appendChild(el('td', {}, r.key));
        var bar = el('td', {'class': 'bar'});
        var span = el('span');
        span.style.width = Math.max(1, 100 * r.share / (top || 1)) + '%';
        bar.appendChild(span);
        bar.appendChild(document.createTextNode(' ' + r.share.toFixed(1) + '%'));
        tr.appendChild(bar);
        tr.appendChild(el('td', {'class': 'num'}, compact(r.value)));
        tr.appendChild(el('td', {'class': 'num'}, r.models.toLocaleString('en')));
        body.appendChild(tr);
      });
      var meta = data.meta;
      $('report-meta').textContent = meta.metric_description + '; ' + meta.view + ' view; ' +
        meta.policy + ' policy; ' + meta.window.description + '; denominator: ' +
        meta.denominator_description + '.';
      var notes = $('report-notes');
      notes.textContent = '';
      (meta.warnings || []).forEach(function (w) { notes.appendChild(el('li', {}, w)); });
      var examples = (meta.validation && meta.validation.examples) || {};
      Object.keys(examples).forEach(function (reason) {
        notes.appendChild(el('li', {}, 'rejected (' + reason + '): ' +
          examples[reason].join('; ')));
      });
    }).catch(function (e) { status($('report-meta'), e.message, true); });
  }
  $('report-by').addEventListener('change', loadReport);
  $('report-view').addEventListener('change', loadReport);

  /* -- Cypher console ------------------------------------------------------------------- */
  $('cypher-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var box = $('cypher-status'), out = $('cypher-result');
    var params;
    try { params = JSON.parse($('cypher-params').value || '{}'); }
    catch (e) { status(box, 'parameters are not JSON: ' + e.message, true); return; }
    status(box, 'running\u2026');
    getJSON('/api/cypher', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({query: $('cypher-query').value, params: params})})
      .then(function (res) {
        out.textContent = '';
        var table = el('table'), head = el('tr');
        res.columns.forEach(function (c) { head.appendChild(el('th', {scope: 'col'}, c)); });
        table.appendChild(el('thead')).appendChild(head);
        var body = table.appendChild(el('tbody'));
        res.rows.forEach(function (row) {
          var tr = el('tr');
          row.forEach(function (v) {
            tr.appendChild(el('td', {}, v !== null && typeof v === 'object' ? JSON.stringify(v) : v));
          });
          body.appendChild(tr);
        });
        out.appendChild(table);
        status(box, res.row_count + ' rows' + (res.truncated ? ' (first ' + res.rows.length +
          ' shown)' : ''));
      }).catch(function (e) { out.textContent = ''; status(box, e.message, true); });
  });

  loadReport();
  if (location.hash.indexOf('#model=') === 0) {
    try { openLineage(decodeURIComponent(location.hash.slice(7))); }
    catch (e) { status($('lineage-status'), 'the address names no model id', true); }
  }
  window.hflServe = {openLineage: openLineage, expand: expand,
    state: function () { return view; }};
})();
