// mella-bench per-sample viewer. Reads the JSON block #mella-data and renders one page of items at a
// time (only the visible page is in the DOM). Every string from a run or dataset is inserted with
// textContent, never as markup.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("mella-data").textContent);
  var PAGE = 20;
  var state = { lang: "", axis: "", runs: DATA.runs.map(function () { return true; }), metric: "", scoreRun: 0,
                min: "", max: "", sort: "order", q: "", page: 0 };
  var filtered = [];

  var el = mellaDom.el;  // dom.js, inlined before this script
  function langAttrs(code, extra) { return mellaDom.langAttrs(DATA.langs, code, extra); }
  function fmt(metric, v) {
    if (v === null || v === undefined) return "failed";
    var d = DATA.decimals[metric] !== undefined ? DATA.decimals[metric] : 1;
    return Number(v).toFixed(d);
  }
  function scoreOf(item, run, metric) {
    var a = item.a[run];
    if (!a || !a.m || !(metric in a.m)) return null;
    return a.m[metric];
  }

  // ------------------------------------------------------------------ filters
  function option(value, text, selected) {
    var o = el("option", { value: value, text: text });
    if (selected) o.selected = true;
    return o;
  }
  function buildFilters(root) {
    var langs = [], axes = [];
    DATA.items.forEach(function (it) {
      if (langs.indexOf(it.lang) < 0) langs.push(it.lang);
      if (axes.indexOf(it.axis) < 0) axes.push(it.axis);
    });
    var fLang = el("select", { id: "f-lang" }, [option("", "all languages", true)].concat(langs.map(function (l) {
      return option(l, l + " · " + (DATA.langs[l] ? DATA.langs[l].name : l)); })));
    var fAxis = el("select", { id: "f-axis" }, [option("", "both axes", true)].concat(axes.map(function (a) {
      return option(a, a === "know" ? "know (cultural)" : a === "ling" ? "ling (linguistic)" : a); })));
    var runBoxes = el("span", { cls: "runs", id: "f-runs" }, DATA.runs.map(function (r, i) {
      var box = el("input", { type: "checkbox", "data-run": String(i) });
      box.checked = true;
      box.addEventListener("change", function () { state.runs[i] = box.checked; update(); });
      return el("label", {}, [box, " " + r.label]);
    }));
    var fMetric = el("select", { id: "f-metric" }, [option("", "any score", true)].concat(DATA.metrics.map(function (m) {
      return option(m, DATA.titles[m] || m); })));
    var fScoreRun = el("select", { id: "f-score-run" }, DATA.runs.map(function (r, i) { return option(String(i), r.label, i === 0); }));
    var fMin = el("input", { id: "f-min", type: "number", step: "any", placeholder: "min" });
    var fMax = el("input", { id: "f-max", type: "number", step: "any", placeholder: "max" });
    var fSort = el("select", { id: "f-sort" }, [option("order", "dataset order", true), option("asc", "score ↑"),
      option("desc", "score ↓"), option("diff", "largest difference between runs")]);
    var fQ = el("input", { id: "f-search", type: "search", placeholder: "search id or text" });
    function bind(ctrl, key, ev) {
      ctrl.addEventListener(ev || "change", function () { state[key] = ctrl.value; update(); });
    }
    bind(fLang, "lang"); bind(fAxis, "axis"); bind(fMetric, "metric"); bind(fSort, "sort");
    bind(fMin, "min", "input"); bind(fMax, "max", "input"); bind(fQ, "q", "input");
    fScoreRun.addEventListener("change", function () { state.scoreRun = Number(fScoreRun.value); update(); });
    root.appendChild(el("div", { cls: "filters" }, [
      el("label", {}, ["language ", fLang]), el("label", {}, ["axis ", fAxis]),
      el("span", {}, [el("label", { text: "runs: " }), runBoxes]),
      el("label", {}, ["score ", fMetric, " of ", fScoreRun, " ", fMin, " – ", fMax]),
      el("label", {}, ["sort ", fSort]), fQ]));
  }

  function matches(it) {
    if (state.lang && it.lang !== state.lang) return false;
    if (state.axis && it.axis !== state.axis) return false;
    if (state.metric && (state.min !== "" || state.max !== "")) {
      var v = scoreOf(it, state.scoreRun, state.metric);
      if (v === null) return false;
      if (state.min !== "" && v < Number(state.min)) return false;
      if (state.max !== "" && v > Number(state.max)) return false;
    }
    if (state.q) {
      if (it._hay === undefined) {  // built once per item, on the first search
        var hay = it.id;
        it.a.forEach(function (a) { if (a && a.x) hay += "\n" + a.x; });
        (it.refs || []).forEach(function (r) { hay += "\n" + r; });
        it._hay = hay.toLowerCase();
      }
      if (it._hay.indexOf(state.q.toLowerCase()) < 0) return false;
    }
    return true;
  }
  function sortKey(it) {
    var m = state.metric || (it.axis === "know" ? "keyword_acc" : "meteor");
    if (state.sort === "diff") {
      var vals = [];
      it.a.forEach(function (a, i) { if (state.runs[i]) { var v = scoreOf(it, i, m); if (v !== null) vals.push(v); } });
      return vals.length > 1 ? Math.max.apply(null, vals) - Math.min.apply(null, vals) : -1;
    }
    var s = scoreOf(it, state.scoreRun, m);
    return s === null ? (state.sort === "asc" ? Infinity : -Infinity) : s;
  }
  function update(keepPage) {
    filtered = [];
    DATA.items.forEach(function (it, i) { if (matches(it)) filtered.push(i); });
    if (state.sort !== "order") {
      var keys = {};
      filtered.forEach(function (i) { keys[i] = sortKey(DATA.items[i]); });
      filtered.sort(function (a, b) {
        var d = state.sort === "asc" ? keys[a] - keys[b] : keys[b] - keys[a];
        return d || a - b;
      });
    }
    if (!keepPage) state.page = 0;
    render();
  }

  // ------------------------------------------------------------------ one item
  function highlighted(text, hits, lang) {
    var chars = Array.from(text.normalize("NFC"));  // offsets are code points of the NFC text
    var marks = [];
    (hits || []).forEach(function (h, k) { h[2].forEach(function (sp) { marks.push([sp[0], sp[1], k]); }); });
    marks.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var p = el("p", langAttrs(lang, { cls: "text" })), at = 0;
    marks.forEach(function (m) {
      if (m[0] < at) return;  // overlapping: the earlier, longer match is shown
      if (m[0] > at) p.appendChild(document.createTextNode(chars.slice(at, m[0]).join("")));
      p.appendChild(el("mark", { cls: "kw", "data-kw": String(m[2]), text: chars.slice(m[0], m[1]).join("") }));
      at = m[1];
    });
    if (at < chars.length) p.appendChild(document.createTextNode(chars.slice(at).join("")));
    return p;
  }
  function judgeBlock(j) {
    var box = el("div", { cls: "judge", "data-rubric": j.rubric });
    var head = el("div", {}, [el("b", { text: "judge · " + j.rubric.replace(/_/g, " ") + ": " })]);
    if (j.status !== "ok") {
      head.appendChild(el("span", { cls: "unsupported", text: j.status + (j.reason ? " — " + j.reason : "") }));
      box.appendChild(head);
      return box;
    }
    head.appendChild(el("span", { cls: "score", text: j.score + "/5" }));
    if (j.cap) head.appendChild(document.createTextNode(" (judge wrote " + j.raw + "; " + j.cap + ")"));
    box.appendChild(head);
    var fields = j.fields || {};
    Object.keys(fields).forEach(function (k) {
      if (k === "score" || k === "evidence") return;
      var v = fields[k], name = k.replace(/_/g, " ");
      if (Array.isArray(v)) {
        var ul = el("ul", { cls: k === "unsupported_claims" || k === "hallucinations" ? "unsupported" : "" });
        v.forEach(function (x) {
          var t;
          if (x && typeof x === "object") {
            if ("entity" in x) t = x.entity + (x.cue ? " — " + x.cue : "") + (x.supported === false ? " (not supported)" : "");
            else if ("claim" in x) t = x.claim + (x.hedged ? " (hedged)" : "");
            else t = Object.keys(x).map(function (kk) { return kk + ": " + x[kk]; }).join("; ");
          } else t = String(x);
          ul.appendChild(el("li", { text: t }));
        });
        box.appendChild(el("div", { cls: "label", text: name + " (" + v.length + ")" }));
        if (v.length) box.appendChild(ul);
      } else if (v !== null && v !== undefined) {
        box.appendChild(el("div", { text: name + ": " + (typeof v === "object" ? JSON.stringify(v) : String(v)) }));
      }
    });
    var why = j.evidence || fields.evidence;
    if (why) box.appendChild(el("div", {}, [el("span", { cls: "label", text: "rationale " }), el("span", { text: why })]));
    return box;
  }
  function answerBlock(it, a, run) {
    var sec = el("section", { cls: "answer", "data-run": String(run) }, [el("h4", { text: DATA.runs[run].label })]);
    if (!a || a.s === "missing") {
      sec.appendChild(el("p", { cls: "text missing", text: a ? "no prediction for this item in this run" : "task not in this run" }));
      return sec;
    }
    if (a.s !== "ok") {
      sec.appendChild(el("p", { cls: "text error", text: "prediction failed: " + (a.e || "no error message") }));
      return sec;
    }
    if (a.x) sec.appendChild(highlighted(a.x, a.k, it.lang));
    else sec.appendChild(el("p", { cls: "text missing", text: "(empty answer: it scores 0)" }));
    if (it.kw && a.k) {
      sec.appendChild(el("div", { cls: "kwchips" }, it.kw.map(function (kw, k) {
        var h = a.k[k], found = h && h[0];
        var chip = el("span", langAttrs(it.lang, { cls: "chip " + (found ? "found" : "missed"),
          title: found ? (h[1] ? "found (exact)" : "found (inflected form)") : "missed", text: (found ? "✓ " : "✗ ") + kw }));
        return chip;
      })));
    }
    if (a.m) {
      var rows = DATA.metrics.filter(function (m) { return m in a.m; }).map(function (m) {
        var note = a.r && a.r[m] ? " (" + a.r[m] + ")" : "";
        return el("tr", { "data-metric": m }, [el("td", { text: DATA.titles[m] || m }),
          el("td", { cls: "val", text: fmt(m, a.m[m]) }), el("td", { cls: "note", text: note })]);
      });
      sec.appendChild(el("table", { cls: "m" }, [el("tbody", {}, rows)]));
    }
    (a.j || []).forEach(function (j) { sec.appendChild(judgeBlock(j)); });
    return sec;
  }
  function itemBlock(it) {
    var L = DATA.langs[it.lang] || { name: it.lang, native: it.lang };
    var art = el("article", { cls: "item", "data-id": it.id, "data-lang": it.lang, "data-axis": it.axis });
    art.appendChild(el("header", {}, [el("b", { text: it.id }), el("span", { text: L.name + " (" + L.native + ")" }),
      el("span", { text: it.axis }), el("span", { cls: "note", text: it.t })]));
    var fig = el("figure");
    if (it.img >= 0) fig.appendChild(el("img", { src: DATA.images[it.img], alt: "image of " + it.id, loading: "lazy" }));
    else fig.appendChild(el("div", { cls: "noimg", text: it.noimg || "no image" }));
    var ctx = el("div", { cls: "ctx" }, [el("div", { cls: "label", text: "prompt" }),
      el("div", langAttrs(it.lang, { cls: "prompt", text: DATA.prompts[it.p] }))]);
    if (it.problem) ctx.appendChild(el("p", { cls: "unsupported", text: it.problem }));
    if (it.variant) ctx.appendChild(el("p", { cls: "note variant", text: it.variant }));
    if (it.refs) {
      ctx.appendChild(el("div", { cls: "label", text: "references (" + it.refs.length + ")" }));
      ctx.appendChild(el("ol", langAttrs(it.lang, { cls: "refs" }), it.refs.map(function (r) { return el("li", { text: r }); })));
    }
    if (it.kw) {
      ctx.appendChild(el("div", { cls: "label", text: "keywords" }));
      ctx.appendChild(el("div", { cls: "kwchips" }, it.kw.map(function (k) { return el("span", langAttrs(it.lang, { cls: "chip", text: k })); })));
    }
    art.appendChild(el("div", { cls: "body" }, [fig, ctx]));
    var shown = [];
    state.runs.forEach(function (on, i) { if (on) shown.push(i); });
    var grid = el("div", { cls: "answers" }, shown.map(function (i) { return answerBlock(it, it.a[i], i); }));
    grid.style.gridTemplateColumns = "repeat(" + Math.max(1, shown.length) + ", minmax(0, 1fr))";
    art.appendChild(grid);
    return art;
  }

  // ------------------------------------------------------------------ page
  var listEl, pagerEls = [];
  function pager() {
    var box = el("div", { cls: "pager" });
    var prev = el("button", { type: "button", cls: "prev", text: "← previous" });
    var next = el("button", { type: "button", cls: "next", text: "next →" });
    var count = el("span", { cls: "count" });
    prev.addEventListener("click", function () { if (state.page > 0) { state.page--; render(); } });
    next.addEventListener("click", function () { if ((state.page + 1) * PAGE < filtered.length) { state.page++; render(); } });
    box.appendChild(prev); box.appendChild(count); box.appendChild(next);
    pagerEls.push({ prev: prev, next: next, count: count });
    return box;
  }
  function render() {
    var start = state.page * PAGE, end = Math.min(filtered.length, start + PAGE);
    pagerEls.forEach(function (p) {
      p.count.textContent = filtered.length ? (start + 1) + "–" + end + " of " + filtered.length + " items" : "0 items";
      p.prev.disabled = state.page === 0;
      p.next.disabled = end >= filtered.length;
    });
    listEl.textContent = "";
    if (!filtered.length) listEl.appendChild(el("p", { cls: "empty-list", text: "No item matches these filters." }));
    for (var i = start; i < end; i++) listEl.appendChild(itemBlock(DATA.items[filtered[i]]));
  }
  function setControl(id, value) {
    var c = document.getElementById(id);
    c.value = value;
    c.dispatchEvent(new Event("change"));
  }

  var root = document.getElementById("viewer");
  root.textContent = "";
  buildFilters(root);
  DATA.runs.forEach(function (r) {
    if (r.problem) root.appendChild(el("p", { cls: "note", text: r.label + ": " + r.problem }));
  });
  root.appendChild(pager());
  listEl = el("div", { id: "items" });
  root.appendChild(listEl);
  root.appendChild(pager());
  update();

  // a click on a leaderboard cell shows that language, axis and run's samples
  Array.prototype.forEach.call(document.querySelectorAll("td.cell"), function (td) {
    td.addEventListener("click", function () {
      setControl("f-lang", td.getAttribute("data-lang") === "macro" ? "" : td.getAttribute("data-lang"));
      setControl("f-axis", td.getAttribute("data-axis"));
      setControl("f-score-run", td.getAttribute("data-run"));
      if (DATA.metrics.indexOf(td.getAttribute("data-metric")) >= 0) setControl("f-metric", td.getAttribute("data-metric"));
      document.getElementById("samples").scrollIntoView();
    });
  });
  window.mellaViewer = { state: state, filtered: function () { return filtered.slice(); }, update: update };
})();
