/* kg explorer: legend + type filter, search, hover card and detail panel over vis-network.
 *
 * Every text from the report (labels, aliases, sentences, quantities) reaches
 * the page through text nodes (createTextNode / textContent), never as HTML;
 * vis-network draws labels on a canvas.  The page data is read from the JSON
 * block #kg-data.  window.kgExplorer exposes the network for tests.
 */
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var TYPES = data.types, KINDS = data.kinds, NODES = data.nodes;
  var byId = {};
  NODES.forEach(function (n) { byId[n.id] = n; });
  var big = NODES.length > 800;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "style") e.setAttribute("style", attrs[k]);
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function short(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  function typeOf(n) { return TYPES[n.t]; }
  function badge(n) {
    var t = typeOf(n);
    return el("span", { "class": "kg-badge", style: "background:" + t.color, text: t.zh + " " + t.name });
  }

  // ------------------------------------------------------------------ network
  var degMax = 1;
  NODES.forEach(function (n) { if (n.g > degMax) degMax = n.g; });
  var visNodes = NODES.map(function (n) {
    var t = typeOf(n);
    return {
      id: n.id, label: short(n.l, 14), x: n.x, y: n.y, shape: t.shape,
      size: 9 + 20 * Math.sqrt(n.g / degMax) + (n.f ? 6 : 0),
      color: { background: t.color, border: n.f ? "#111" : "#fff",
               highlight: { background: t.color, border: "#111" }, hover: { background: t.color, border: "#333" } },
      borderWidth: n.f ? 3 : 1,
      font: { size: Math.round(12 + 14 * Math.sqrt(n.g / degMax)) }  // hubs stay labelled when zoomed out
    };
  });
  var visEdges = data.edges.map(function (e, i) {
    var k = KINDS[e[2]] || { name: "?", color: "#999", dashes: false };
    return { id: i, from: e[0], to: e[1], label: k.name, color: { color: k.color, highlight: "#111", hover: "#333", opacity: 0.85 },
             dashes: k.dashes };
  });
  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 1 },
    physics: { enabled: false },
    nodes: {
      font: { size: 14, face: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif", color: "#222",
              strokeWidth: 3, strokeColor: "#ffffff" },
      scaling: { label: { enabled: false, drawThreshold: 6 } }
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      width: 1.2, selectionWidth: 1.5,
      smooth: big ? false : { enabled: true, type: "curvedCW", roundness: 0.08 },
      font: { size: 10, color: "#666", strokeWidth: 3, strokeColor: "#ffffff", align: "middle",
              face: "Noto Sans CJK SC, sans-serif" },
      scaling: { label: { enabled: false, drawThreshold: 7 } }
    },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: false }
  };
  var container = document.getElementById("kg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  var api = window.kgExplorer = {
    network: network, nodes: nodes, edges: edges, data: data,
    ready: false, readyMs: null, stabilizedMs: null,
    expected: { nodes: NODES.length, edges: data.edges.length }
  };
  network.once("afterDrawing", function () {
    // positions are precomputed and physics is off: the first frame is the settled layout
    api.readyMs = Math.round(performance.now());
    api.stabilizedMs = Math.round(performance.now() - t0);
    api.ready = true;
    document.documentElement.setAttribute("data-kg-ready", "1");
  });

  // ------------------------------------------------------------------ header
  var hidden = {};
  function updateStats() {
    var shown = 0;
    NODES.forEach(function (n) { if (!hidden[n.t]) shown++; });
    var s = shown === NODES.length ? NODES.length + " 个实体 entities" : shown + " / " + NODES.length + " 个实体 entities";
    s += " · " + data.edges.length + " 条关系 relations";
    if (data.focus) s += " · 焦点 focus: " + data.focus.label + " (depth " + data.focus.depth + ")";
    document.getElementById("kg-stats").textContent = s;
  }

  // ------------------------------------------------------------------ legend
  var SVGNS = "http://www.w3.org/2000/svg";
  function shapeIcon(shape, color) {
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    var p;
    var pts = {
      square: "2,2 14,2 14,14 2,14", diamond: "8,1 15,8 8,15 1,8", triangle: "8,1.5 15,14 1,14",
      triangleDown: "1,2 15,2 8,14.5", hexagon: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8",
      star: "8,0.8 10.1,5.6 15.3,6 11.3,9.4 12.6,14.6 8,11.8 3.4,14.6 4.7,9.4 0.7,6 5.9,5.6"
    }[shape];
    if (pts) { p = document.createElementNS(SVGNS, "polygon"); p.setAttribute("points", pts); }
    else { p = document.createElementNS(SVGNS, "circle"); p.setAttribute("cx", "8"); p.setAttribute("cy", "8"); p.setAttribute("r", "6.5"); }
    p.setAttribute("fill", color); p.setAttribute("stroke", "#555"); p.setAttribute("stroke-width", "0.6");
    svg.appendChild(p);
    return svg;
  }
  function lineIcon(color, dashes) {
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "10");
    var l = document.createElementNS(SVGNS, "line");
    l.setAttribute("x1", "1"); l.setAttribute("y1", "5"); l.setAttribute("x2", "25"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", color); l.setAttribute("stroke-width", "2");
    if (dashes) l.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(l);
    return svg;
  }
  function applyFilter() {
    var upd = NODES.map(function (n) { return { id: n.id, hidden: !!hidden[n.t] }; });
    nodes.update(upd);
    updateStats();
  }
  var legend = document.getElementById("kg-legend");
  legend.appendChild(el("h2", { text: "实体类型 Entity types" }));
  TYPES.forEach(function (t, i) {
    if (!t.count) return;
    var cb = el("input", { type: "checkbox", "data-type": t.name });
    cb.checked = true;
    cb.addEventListener("change", function () { hidden[i] = !cb.checked; applyFilter(); });
    legend.appendChild(el("label", { "class": "kg-type-row" },
      [cb, shapeIcon(t.shape, t.color), t.zh + " " + t.name, el("span", { "class": "kg-count", text: String(t.count) })]));
  });
  var allBtn = el("button", { type: "button", text: "全部 all" });
  var noneBtn = el("button", { type: "button", text: "清空 none" });
  function setAll(on) {
    legend.querySelectorAll("input[data-type]").forEach(function (cb) { cb.checked = on; });
    TYPES.forEach(function (t, i) { hidden[i] = !on; });
    applyFilter();
  }
  allBtn.addEventListener("click", function () { setAll(true); });
  noneBtn.addEventListener("click", function () { setAll(false); });
  legend.appendChild(el("div", { "class": "kg-buttons" }, [allBtn, noneBtn]));
  legend.appendChild(el("h2", { text: "关系 Relations" }));
  KINDS.forEach(function (k) {
    if (!k.count) return;
    legend.appendChild(el("div", { "class": "kg-kind" },
      [lineIcon(k.color, k.dashes), k.name + " " + k.zh, el("span", { "class": "kg-count", text: String(k.count) })]));
  });
  legend.appendChild(el("div", { "class": "kg-muted", text: "节点大小 = 连接数 · size = degree" }));

  // ------------------------------------------------------------------ details
  function sentenceNode(s) {
    var p = el("div", { "class": "kg-sent" });
    s.p.forEach(function (part, i) {
      p.appendChild(i % 2 ? el("mark", { text: part }) : document.createTextNode(part));
    });
    if (s.d) p.appendChild(el("div", { "class": "kg-doc", text: "— " + s.d }));
    return p;
  }
  function quantityText(q) {
    // [attribute, value, unit, year, product]
    var s = q[0] + ": " + q[1] + " " + q[2];
    var extra = [q[3], q[4]].filter(function (x) { return x; });
    if (extra.length) s += " (" + extra.join(", ") + ")";
    return s;
  }
  var neighbours = null;
  function neighbourList(id) {
    if (!neighbours) {
      neighbours = {};
      data.edges.forEach(function (e) {
        var k = (KINDS[e[2]] || { name: "?" }).name;
        (neighbours[e[0]] = neighbours[e[0]] || []).push([k, e[1], 1]);
        (neighbours[e[1]] = neighbours[e[1]] || []).push([k, e[0], 0]);
      });
    }
    return neighbours[id] || [];
  }
  var panel = document.getElementById("kg-panel");
  function showPanel(id) {
    var n = byId[id];
    panel.textContent = "";
    if (!n) { panel.hidden = true; return; }
    var close = el("button", { type: "button", "class": "kg-close", text: "×", "aria-label": "close" });
    close.addEventListener("click", function () { panel.hidden = true; network.unselectAll(); });
    panel.appendChild(close);
    panel.appendChild(el("h2", { text: n.l }));
    panel.appendChild(el("div", null, [badge(n), el("span", { "class": "kg-muted", text: n.g + " 条关系 relations" })]));
    panel.appendChild(el("div", { "class": "kg-iri", text: n.iri }));
    if (n.a && n.a.length) {
      panel.appendChild(el("h3", { text: "别名 Aliases" }));
      panel.appendChild(el("div", { text: n.a.join("、") }));
    }
    if (n.q && n.q.length) {
      panel.appendChild(el("h3", { text: "数量 Quantities" + (n.nq > n.q.length ? " (" + n.q.length + " / " + n.nq + ")" : "") }));
      panel.appendChild(el("ul", null, n.q.map(function (q) { return el("li", { text: quantityText(q) }); })));
    }
    if (n.s && n.s.length) {
      panel.appendChild(el("h3", { text: "出处 Sentences" + (n.ns > n.s.length ? " (" + n.s.length + " / " + n.ns + ")" : "") }));
      n.s.forEach(function (s) { panel.appendChild(sentenceNode(s)); });
    }
    var nb = neighbourList(id);
    if (nb.length) {
      panel.appendChild(el("h3", { text: "关联 Related" }));
      var ul = el("ul");
      nb.slice(0, 40).forEach(function (r) {
        var m = byId[r[1]];
        var a = el("a", { "class": "kg-link", text: m.l });
        a.addEventListener("click", function () { selectNode(m.id); });
        ul.appendChild(el("li", null, [r[2] ? r[0] + " → " : "← " + r[0] + " ", a]));
      });
      if (nb.length > 40) ul.appendChild(el("li", { "class": "kg-muted", text: "… +" + (nb.length - 40) }));
      panel.appendChild(ul);
    }
    panel.hidden = false;
  }
  function selectNode(id) {
    var n = byId[id];
    if (!n) return;
    if (hidden[n.t]) {
      hidden[n.t] = false;
      var cb = legend.querySelector('input[data-type="' + TYPES[n.t].name + '"]');
      if (cb) cb.checked = true;
      applyFilter();
    }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.1), animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    showPanel(id);
  }
  api.selectNode = selectNode;
  network.on("click", function (p) {
    if (p.nodes.length) showPanel(p.nodes[0]);
    else panel.hidden = true;
  });

  // ------------------------------------------------------------------ hover card
  var tip = document.getElementById("kg-tip");
  network.on("hoverNode", function (p) {
    var n = byId[p.node];
    if (!n) return;
    tip.textContent = "";
    tip.appendChild(el("div", { "class": "kg-tip-title" }, [badge(n), n.l]));
    if (n.a && n.a.length) tip.appendChild(el("div", { "class": "kg-muted", text: "别名: " + n.a.join("、") }));
    (n.q || []).slice(0, 3).forEach(function (q) { tip.appendChild(el("div", { text: quantityText(q) })); });
    if (n.s && n.s.length) tip.appendChild(sentenceNode(n.s[0]));
    tip.appendChild(el("div", { "class": "kg-muted", text: "点击查看详情 · click for details" }));
    var box = container.getBoundingClientRect();
    var x = p.event && p.event.center ? p.event.center.x - box.left : p.pointer.DOM.x;
    var y = p.event && p.event.center ? p.event.center.y - box.top : p.pointer.DOM.y;
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 14, box.width - w - 4)) + "px";
    tip.style.top = Math.max(4, Math.min(y + 14, box.height - h - 4)) + "px";
  });
  network.on("blurNode", function () { tip.hidden = true; });
  network.on("dragStart", function () { tip.hidden = true; });
  network.on("zoom", function () { tip.hidden = true; });
  network.on("afterDrawing", function () { edgeDetail(); });  // after any zoom, animated or programmatic

  // edge labels and arrows are too small to read when zoomed out, yet they are most of
  // the drawing time of a big graph: draw them only from a readable scale on
  var detail = null;
  function edgeDetail() {
    var scale = network.getScale();
    var want = (scale >= 0.6 ? 2 : 0) + (scale >= 0.45 ? 1 : 0);
    if (want === detail) return;
    detail = want;
    network.setOptions({ edges: { font: { size: want & 2 ? 10 : 0 }, arrows: { to: { enabled: !!(want & 1) } } } });
  }

  // ------------------------------------------------------------------ search
  var input = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");
  var index = NODES.map(function (n) {
    return { n: n, keys: [n.l.toLowerCase()].concat((n.a || []).map(function (a) { return a.toLowerCase(); })) };
  });
  var current = [];
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var hits = [];
    index.forEach(function (it) {
      var best = 9;
      it.keys.forEach(function (k) {
        var r = k === q ? 0 : k.indexOf(q) === 0 ? 1 : k.indexOf(q) > 0 ? 2 : 9;
        if (r < best) best = r;
      });
      if (best < 9) hits.push([best, -it.n.g, it.n.l, it.n]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0); });
    return hits.slice(0, 25).map(function (h) { return h[3]; });
  }
  function showResults() {
    current = search(input.value);
    results.textContent = "";
    if (!input.value.trim()) { results.hidden = true; return; }
    if (!current.length) results.appendChild(el("li", { "class": "kg-none", text: "无匹配 no match" }));
    current.forEach(function (n, i) {
      var t = typeOf(n);
      var li = el("li", { "data-id": String(n.id), "class": i === 0 ? "active" : "" },
        [el("span", { "class": "kg-type", style: "background:" + t.color, text: t.zh }), n.l]);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(n); });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  function pick(n) {
    results.hidden = true;
    input.value = n.l;
    selectNode(n.id);
  }
  input.addEventListener("input", showResults);
  input.addEventListener("focus", showResults);
  input.addEventListener("blur", function () { results.hidden = true; });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && current.length) { ev.preventDefault(); pick(current[0]); }
    else if (ev.key === "Escape") { results.hidden = true; input.blur(); }
  });

  updateStats();
  // leave room for the legend on the left of the initial view
  network.fit({ animation: false });
  network.moveTo({ scale: network.getScale() * 0.94, offset: { x: (legend.offsetWidth + 10) / 2, y: 0 }, animation: false });
  edgeDetail();
  var focusNode = NODES.filter(function (n) { return n.f; })[0];
  if (focusNode) network.once("afterDrawing", function () { network.selectNodes([focusNode.id]); showPanel(focusNode.id); });
})();
