// mella-bench labelling page. Reads the JSON block #label-data (units of one round, rubric
// questions) and asks one unit at a time; every answer is saved in this browser (localStorage) at
// once and exported as JSONL. Every string from a run or dataset is inserted with textContent,
// never as markup. Keyboard: 1-5 score, a/b/t preference, j/k or arrows between questions,
// n/p between items, u next unanswered, e export, ? help.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("label-data").textContent);
  var PREFIX = "mella-label/" + DATA.round + "/";
  var app = document.getElementById("app");
  var statusEl = document.getElementById("status");
  var state = { labeller: "", lang: "", units: [], u: 0, q: 0, labels: {}, started: false };

  var el = mellaDom.el;  // dom.js, inlined before this script
  function langAttrs(code, extra) { return mellaDom.langAttrs(DATA.langs, code, extra); }
  function setStatus(text) { statusEl.textContent = text; }

  // ------------------------------------------------------------------ storage
  function storeKey() { return PREFIX + state.lang + "/" + state.labeller; }
  function load() {
    try { state.labels = JSON.parse(localStorage.getItem(storeKey()) || "{}") || {}; }
    catch (e) { state.labels = {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey(), JSON.stringify(state.labels)); return true; }
    catch (e) { setStatus("This browser did not save the last answer: export your labels now (e)."); return false; }
  }

  // ------------------------------------------------------------------ questions
  function questions(unit) {
    var qs = [];
    unit.rubrics.forEach(function (r) {
      unit.answers.forEach(function (a) {
        qs.push({ rubric: r, kind: "scale", slot: a.slot, hash: a.hash, id: unit.unit + "|" + r + "|scale|" + a.hash });
      });
      if (unit.answers.length === 2) qs.push({ rubric: r, kind: "preference", id: unit.unit + "|" + r + "|preference" });
    });
    return qs;
  }
  function options(q) {
    if (q.kind === "scale") return Object.keys(DATA.rubrics[q.rubric].anchors);
    return DATA.rubrics[q.rubric].preference;
  }
  function answered(unit) {
    return questions(unit).filter(function (q) { return q.id in state.labels; }).length;
  }
  function totalAnswered() {
    return state.units.reduce(function (n, u) { return n + answered(u); }, 0);
  }
  function totalQuestions() {
    return state.units.reduce(function (n, u) { return n + questions(u).length; }, 0);
  }

  function records() {
    var out = [];
    state.units.forEach(function (unit) {
      questions(unit).forEach(function (q) {
        var got = state.labels[q.id];
        if (!got) return;
        var rec = { format: DATA.format, format_version: DATA.format_version, round: DATA.round, unit: unit.unit,
                    labeller: state.labeller, time: got.time, task: unit.task, item_id: unit.item_id,
                    item_identity: unit.item_identity, lang: unit.lang, rubric: q.rubric,
                    rubric_hash: DATA.rubrics[q.rubric].hash, question: q.kind };
        if (q.kind === "scale") { rec.answer = q.hash; rec.value = Number(got.value); }
        else { rec.shown = unit.answers.map(function (a) { return a.hash; }); rec.value = got.value; }
        out.push(rec);
      });
    });
    return out;
  }
  function exportText() {
    return records().map(function (r) { return JSON.stringify(r); }).join("\n") + "\n";
  }
  function fileName() {
    var who = state.labeller.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 40) || "labeller";
    return "labels-" + DATA.round + "-" + state.lang + "-" + who + ".jsonl";
  }
  function exportLabels() {
    var text = exportText(), n = records().length;
    var a = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" })), download: fileName() });
    document.body.appendChild(a);
    a.click();
    a.remove();
    var box = document.getElementById("export-text");
    if (box) { box.value = text; box.parentNode.hidden = false; }
    setStatus("exported " + n + " labels as " + fileName() + " (also shown below the item, to copy by hand)");
  }

  // ------------------------------------------------------------------ answering
  function setAnswer(value) {
    var unit = state.units[state.u], q = questions(unit)[state.q];
    if (!q || options(q).indexOf(String(value)) < 0) return false;
    state.labels[q.id] = { value: q.kind === "scale" ? Number(value) : value, time: new Date().toISOString() };
    if (save()) setStatus("saved · " + totalAnswered() + " of " + totalQuestions() + " answered");
    if (state.q < questions(unit).length - 1) state.q++;
    render();
    return true;
  }
  function clearAnswer() {
    var q = questions(state.units[state.u])[state.q];
    if (q && q.id in state.labels) { delete state.labels[q.id]; save(); render(); }
  }
  function moveQuestion(d) {
    var n = questions(state.units[state.u]).length;
    state.q = Math.max(0, Math.min(n - 1, state.q + d));
    render();
  }
  function moveUnit(d) {
    var next = state.u + d;
    if (next < 0 || next >= state.units.length) return;
    state.u = next;
    state.q = firstOpen(state.units[next]);
    render(true);
  }
  function firstOpen(unit) {
    var qs = questions(unit);
    for (var i = 0; i < qs.length; i++) if (!(qs[i].id in state.labels)) return i;
    return 0;
  }
  function nextUnanswered() {
    for (var k = 1; k <= state.units.length; k++) {
      var i = (state.u + k) % state.units.length;
      if (answered(state.units[i]) < questions(state.units[i]).length) { state.u = i; state.q = firstOpen(state.units[i]); render(true); return; }
    }
    setStatus("every question is answered: export your labels (e)");
  }

  // ------------------------------------------------------------------ rendering
  function rubricBlock(unit, rubric, qs) {
    var R = DATA.rubrics[rubric];
    var box = el("section", { cls: "rubric", "data-rubric": rubric }, [
      el("h3", { text: R.title }), el("p", { cls: "criterion", text: R.criterion })]);
    box.appendChild(el("ol", { cls: "anchors" }, Object.keys(R.anchors).map(function (k) {
      return el("li", { value: k }, [el("b", { text: k + " " }), R.anchors[k]]);
    })));
    var checklist = R.checklists[unit.lang] || [];
    if (checklist.length) {
      var L = DATA.langs[unit.lang];
      box.appendChild(el("details", { cls: "checklist" }, [el("summary", { text: "What to check in " + L.name }),
        el("ul", {}, checklist.map(function (c) { return el("li", { text: c }); }))]));
    }
    qs.forEach(function (entry) {
      var q = entry.q, i = entry.i, got = state.labels[q.id];
      var row = el("div", { cls: "q" + (i === state.q ? " current" : "") + (got ? " done" : ""), "data-q": String(i),
                            "data-kind": q.kind, "data-rubric": q.rubric });
      row.appendChild(el("span", { cls: "qlabel", text: q.kind === "scale" ? "Answer " + q.slot + ": score"
        : "Which answer is better on this dimension?" }));
      var buttons = el("span", { cls: "choices" });
      options(q).forEach(function (v) {
        var label = q.kind === "scale" ? v : (v === "tie" ? "tie (t)" : v + " better (" + v.toLowerCase() + ")");
        var b = el("button", { type: "button", "data-value": v, text: label,
                               title: q.kind === "scale" ? R.anchors[v] : "" });
        var chosen = got && String(got.value) === String(v);
        b.setAttribute("aria-pressed", chosen ? "true" : "false");
        if (chosen) b.className = "chosen";
        b.addEventListener("click", function () { state.q = i; setAnswer(v); });
        buttons.appendChild(b);
      });
      row.appendChild(buttons);
      row.addEventListener("click", function (ev) { if (ev.target === row) { state.q = i; render(); } });
      box.appendChild(row);
    });
    return box;
  }
  function unitView(unit) {
    var L = DATA.langs[unit.lang];
    var qs = questions(unit), done = answered(unit);
    var view = el("section", { cls: "unit", "data-unit": unit.unit, "data-index": String(state.u), "data-lang": unit.lang });
    view.appendChild(el("div", { cls: "progress" }, [
      el("b", { text: "Item " + (state.u + 1) + " of " + state.units.length }),
      el("span", { text: done + " of " + qs.length + " questions answered here · " + totalAnswered() + " of " +
                         totalQuestions() + " in all" }),
      el("span", { cls: "note", text: L.name + " (" + L.native + ") · " + state.labeller })]));
    var fig = el("figure");
    if (unit.img >= 0) fig.appendChild(el("img", { src: DATA.images[unit.img], alt: "the image the answers describe" }));
    else fig.appendChild(el("div", { cls: "noimg", text: unit.noimg || "no image for this item" }));
    var ctx = el("div", { cls: "ctx" }, [el("div", { cls: "label", text: "instruction given to the model" }),
      el("div", langAttrs(unit.lang, { cls: "prompt", text: DATA.prompts[unit.p] }))]);
    if (unit.refs.length) {
      ctx.appendChild(el("div", { cls: "label", text: "reference description" + (unit.refs.length > 1 ? "s" : "") }));
      ctx.appendChild(el("ol", langAttrs(unit.lang, { cls: "refs" }), unit.refs.map(function (r) { return el("li", { text: r }); })));
    }
    if (unit.kw.length) {
      ctx.appendChild(el("div", { cls: "label", text: "culture keywords" }));
      ctx.appendChild(el("div", langAttrs(unit.lang, { cls: "kwchips" }), unit.kw.map(function (k) { return el("span", langAttrs(unit.lang, { cls: "chip", text: k })); })));
    }
    view.appendChild(el("div", { cls: "item-body" }, [fig, ctx]));
    view.appendChild(el("div", { cls: "answers n" + unit.answers.length }, unit.answers.map(function (a) {
      return el("section", { cls: "answer", "data-slot": a.slot }, [el("h3", { text: "Answer " + a.slot }),
        el("p", langAttrs(unit.lang, { cls: "text" + (a.text ? "" : " missing"), text: a.text || "(empty answer)" }))]);
    })));
    var byRubric = {};
    qs.forEach(function (q, i) { (byRubric[q.rubric] = byRubric[q.rubric] || []).push({ q: q, i: i }); });
    view.appendChild(el("div", { cls: "questions" }, unit.rubrics.map(function (r) { return rubricBlock(unit, r, byRubric[r]); })));
    var prev = el("button", { type: "button", id: "prev", text: "← previous item (p)" });
    var next = el("button", { type: "button", id: "next", text: "next item (n) →" });
    var exp = el("button", { type: "button", id: "export", text: "export labels (e)" });
    prev.disabled = state.u === 0;
    next.disabled = state.u === state.units.length - 1;
    prev.addEventListener("click", function () { moveUnit(-1); });
    next.addEventListener("click", function () { moveUnit(1); });
    exp.addEventListener("click", exportLabels);
    view.appendChild(el("nav", { cls: "unit-nav" }, [prev, next, exp,
      el("span", { cls: "note", text: "keys: 1–5 score · a/b/t preference · j/k question · n/p item · u next unanswered · e export · ? help" })]));
    var box = el("div", { cls: "export", hidden: "hidden" }, [el("div", { cls: "label", text: "exported labels (JSONL): send this file, or copy this text" }),
      el("textarea", { id: "export-text", readonly: "readonly", rows: "6" })]);
    view.appendChild(box);
    return view;
  }
  function render(top) {
    app.textContent = "";
    app.appendChild(unitView(state.units[state.u]));
    var cur = app.querySelector(".q.current");
    if (top) window.scrollTo(0, 0);
    else if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
  }

  var HELP = [["1 – 5", "score the current answer on the current dimension (then the next question)"],
    ["a / b / t", "preference: answer A better, B better, or tie"], ["j, ↓ / k, ↑", "next / previous question"],
    ["n, →, Enter / p, ←", "next / previous item"], ["u", "next item with unanswered questions"],
    ["0, Backspace", "clear the current answer"], ["e", "export your labels (JSONL file)"], ["?", "show or hide this help"]];
  function toggleHelp() {
    var old = document.getElementById("help");
    if (old) { old.remove(); return; }
    var box = el("aside", { id: "help", role: "dialog", "aria-label": "keyboard" }, [el("h3", { text: "Keyboard" }),
      el("table", {}, [el("tbody", {}, HELP.map(function (h) { return el("tr", {}, [el("th", { text: h[0] }), el("td", { text: h[1] })]); }))])]);
    document.body.appendChild(box);
  }

  function onKey(ev) {
    if (!state.started || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target && ev.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
    var q = questions(state.units[state.u])[state.q], k = ev.key, handled = true;
    if (/^[1-9]$/.test(k) && q && q.kind === "scale") setAnswer(k);
    else if ((k === "a" || k === "A") && q && q.kind === "preference") setAnswer("A");
    else if ((k === "b" || k === "B") && q && q.kind === "preference") setAnswer("B");
    else if ((k === "t" || k === "T" || k === "=") && q && q.kind === "preference") setAnswer("tie");
    else if (k === "j" || k === "ArrowDown") moveQuestion(1);
    else if (k === "k" || k === "ArrowUp") moveQuestion(-1);
    else if (k === "n" || k === "ArrowRight" || k === "Enter") moveUnit(1);
    else if (k === "p" || k === "ArrowLeft") moveUnit(-1);
    else if (k === "u") nextUnanswered();
    else if (k === "0" || k === "Backspace" || k === "Delete") clearAnswer();
    else if (k === "e") exportLabels();
    else if (k === "?" || k === "h") toggleHelp();
    else if (k === "Escape") { var h = document.getElementById("help"); if (h) h.remove(); else handled = false; }
    else handled = false;
    if (handled) ev.preventDefault();
  }

  // ------------------------------------------------------------------ start screen
  function start(labeller, lang) {
    state.labeller = labeller.trim().slice(0, 100);
    state.lang = lang;
    if (!state.labeller) { setStatus("enter your name or labeller id first"); return; }
    try { localStorage.setItem("mella-label/last-labeller", state.labeller); } catch (e) { /* private mode */ }
    state.units = DATA.units.filter(function (u) { return u.lang === lang; });
    load();
    state.started = true;
    state.u = 0;
    for (var i = 0; i < state.units.length; i++) if (answered(state.units[i]) < questions(state.units[i]).length) { state.u = i; break; }
    state.q = firstOpen(state.units[state.u]);
    setStatus(totalAnswered() ? "resumed: " + totalAnswered() + " answers found in this browser" : "");
    render(true);
  }
  function startScreen() {
    var params = {};
    (location.hash || "").replace(/^#/, "").split("&").forEach(function (kv) {
      var p = kv.split("="); if (p[0]) params[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || "");
    });
    var langs = Object.keys(DATA.langs);
    var last = "";
    try { last = localStorage.getItem("mella-label/last-labeller") || ""; } catch (e) { /* private mode */ }
    var who = el("input", { id: "labeller", type: "text", maxlength: "100", autocomplete: "off", value: params.labeller || last });
    var pick = el("select", { id: "lang" }, langs.map(function (c) {
      var n = DATA.units.filter(function (u) { return u.lang === c; }).length;
      var o = el("option", { value: c, text: DATA.langs[c].name + " · " + DATA.langs[c].native + " (" + n + " items)" });
      if (c === params.lang) o.selected = true;
      return o;
    }));
    var go = el("button", { type: "button", id: "start", text: "Start" });
    function begin() { start(who.value, pick.value); }
    go.addEventListener("click", begin);
    [who, pick].forEach(function (c) { c.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); begin(); } }); });
    var rubricNames = Object.keys(DATA.rubrics).map(function (r) { return DATA.rubrics[r].title; }).join("; ");
    app.textContent = "";
    app.appendChild(el("section", { cls: "start" }, [
      el("h2", { text: "Labelling round " + DATA.round }),
      el("p", { text: "Each item shows an image, the instruction a model was given, reference descriptions written by " +
        "native speakers, and one or two model answers (which model wrote which is hidden, and the order is random). " +
        "Score each answer on each dimension with the 1–5 scale described beside it" +
        (DATA.units.some(function (u) { return u.answers.length === 2; }) ? ", then say which answer is better or call it a tie" : "") +
        ". Dimensions: " + rubricNames + "." }),
      el("p", { text: "Answers are saved in this browser as you go; you can close the page and come back. When you are " +
        "done (or want a backup), press e to export a file and send it back. Press ? for the keys." }),
      el("p", {}, [el("label", { "for": "labeller", text: "Your name or labeller id " }), who]),
      el("p", {}, [el("label", { "for": "lang", text: "Language you label " }), pick]),
      el("p", {}, [go, el("span", { cls: "note", text: " (or press Enter)" })])]));
    who.focus();
  }

  document.addEventListener("keydown", onKey);
  startScreen();
  window.mellaLabel = { state: state, records: records, exportText: exportText, start: start };
})();
