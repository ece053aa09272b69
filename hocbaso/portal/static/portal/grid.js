/* hocbaso entry grid: keyboard-first, paste from Excel, autosave, offline queue, conflicts, undo.
 *
 * Every edit goes first into a queue kept in IndexedDB (per user, class, sheet and period; localStorage
 * where IndexedDB is missing), then is sent in batches to the server, which answers per cell: saved (new
 * revision), error (TT27 message: the cell shows it and offers to go back to the saved value) or conflict
 * (someone else changed the row since it was loaded: their value is shown and the teacher chooses).
 * Nothing valid leaves the queue until the server has answered for it, so closing the tab, losing the
 * connection or the session, or restarting the phone never loses an entry; a refused value is not kept.
 * Undo and redo (Ctrl+Z, Ctrl+Y, the two buttons) write the previous value through the same save path.
 * On a touch screen the rating bar (and a number field for scores) sits at the bottom of the screen: a
 * saved value is replaced only by a tap on the bar, or by typing into a cell opened with all selected.
 * Plain ES2017, no build step, no dependencies: it must run on a cheap phone.
 */
(function () {
  "use strict";
  var dataEl = document.getElementById("grid-data");
  if (!dataEl) return;
  var DATA = JSON.parse(dataEl.textContent);
  var M = DATA.messages, CFG = DATA.config;
  var COLS = DATA.columns, ROWS = DATA.rows, PHRASES = DATA.phrases || {};
  var table = document.getElementById("grid");
  var tbody = table.querySelector("tbody");
  var info = document.getElementById("cell-info");
  var syncEl = document.getElementById("sync-state");
  var unsentEl = document.getElementById("unsent");
  var errorsEl = document.getElementById("error-count");
  var noticeEl = document.getElementById("grid-notice");
  var quick = document.getElementById("quick");
  var DEBOUNCE = CFG.debounce_ms || 700;
  var OWN = DATA.own_phrases || [];
  // A touch screen (a phone, a tablet): no F4 to speak of, and the bar at the bottom is the way to rate.
  var TOUCH = navigator.maxTouchPoints > 0 || (window.matchMedia && matchMedia("(pointer: coarse)").matches);
  var undoBtn = document.getElementById("undo"), redoBtn = document.getElementById("redo");
  var legend = document.querySelector("details.legend");
  // The legend is open on a wide screen, folded on a phone so the first pupil is in view.
  if (legend && CFG.editable && window.matchMedia && matchMedia("(min-width: 561px)").matches) legend.open = true;

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }

  /* ---------- state ---------- */
  // One state per stored row: a subject row ("s"), a trait ("quality:yeu_nuoc"), the year page ("y").
  var states = {};
  var order = []; // row index -> enrolment
  ROWS.forEach(function (row, r) {
    order.push(row);
    var entries = {};
    COLS.forEach(function (col) { entries[col.entry] = true; });
    Object.keys(entries).forEach(function (entry) {
      var stored = row.entries[entry] || { revision: 0, values: {} };
      states[row.enrolment + "|" + entry] = {
        key: row.enrolment + "|" + entry, enrolment: row.enrolment, entry: entry, row: row,
        rev: stored.revision, server: Object.assign({}, stored.values), base: {},
        pending: {}, inflight: null, failed: {}, conflict: null, problems: {}
      };
    });
  });

  function stateOf(r, c) { return states[order[r].enrolment + "|" + COLS[c].entry]; }

  function localValue(st, field) {
    if (field in st.pending) return st.pending[field];
    if (st.inflight && field in st.inflight) return st.inflight[field];
    if (st.conflict && field in st.conflict.mine) return st.conflict.mine[field];
    if (field in st.failed) return st.failed[field];
    var v = st.server[field];
    return v === null || v === undefined ? "" : v;
  }

  /* ---------- validation (instant; the server has the last word) ---------- */
  // The scales come from tt27.catalogue (CFG.scales: letter -> Vietnamese words); the words are accepted too.
  var SCALES = CFG.scales;
  function lettersByWords(scale) {
    var out = {};
    Object.keys(scale).forEach(function (letter) { out[scale[letter].toUpperCase()] = letter; });
    return out;
  }
  function onScale(scale, letter) { return Object.prototype.hasOwnProperty.call(scale, letter); }
  var SUBJECT_WORDS = lettersByWords(SCALES.subject);
  var TRAIT_WORDS = lettersByWords(SCALES.trait);

  function validate(col, raw, st) {
    var text = raw === null || raw === undefined ? "" : String(raw);
    var t = text.trim();
    switch (col.type) {
      case "subject_rating": {
        var u = t.toUpperCase();
        u = SUBJECT_WORDS[u] || u;
        if (!u) return { value: null };
        if (onScale(SCALES.subject, u)) return { value: u };
        if (u === "Đ" || u === "D") return { value: t, error: M.rating_subject_d };
        if (/^[0-9.,]+$/.test(u)) return { value: t, error: M.rating_is_score };
        return { value: t, error: M.rating_subject };
      }
      case "trait_rating": {
        var v = t.toUpperCase();
        v = TRAIT_WORDS[v] || v;
        if (v === "D") v = "Đ";
        if (!v) return { value: null };
        if (onScale(SCALES.trait, v)) return { value: v };
        if (v === "H") return { value: t, error: M.rating_trait_h };
        return { value: t, error: M.rating_trait };
      }
      case "score": {
        if (!t) return { value: null };
        if (col.no_test) return { value: t, error: M.score_no_test };
        var n = t.replace(",", ".");
        if (!/^-?\d+(\.\d+)?$/.test(n)) return { value: t, error: M.score_not_number };
        var f = parseFloat(n);
        if (f !== Math.floor(f)) return { value: t, error: M.score_decimal };
        if (f < CFG.score_min || f > CFG.score_max) return { value: t, error: M.score_range };
        return { value: f };
      }
      case "int": {
        if (!t) return { value: null };
        if (!/^\d+$/.test(t)) return { value: t, error: M.whole_number };
        return { value: parseInt(t, 10) };
      }
      case "decimal": {
        if (!t) return { value: null };
        if (!/^\d+([.,]\d)?$/.test(t)) return { value: t, error: M.decimal_number };
        return { value: t.replace(",", ".") };
      }
      case "bool": {
        if (typeof raw === "boolean") return { value: raw };
        return { value: ["X", "1", "CÓ", "CO", "C", "Y", "YES", "TRUE", "✓"].indexOf(t.toUpperCase()) >= 0 };
      }
      default:
        return { value: text };
    }
  }

  // Warnings: not errors (entering is done bit by bit), but what TT27 will ask for.
  function warningFor(col, st) {
    if (!order.length) return null;
    var row = st.row;
    if (!row.follows) return null;
    if (col.type === "subject_rating" || col.type === "trait_rating") {
      var rating = localValue(st, "rating");
      var others = (col.type === "subject_rating" ? ["score", "comment"] : ["comment"]).some(function (f) {
        var v = localValue(st, f); return v !== "" && v !== null && v !== undefined;
      });
      if (!rating && others) return M.missing_rating;
    }
    if (col.type === "score" && !col.no_test && CFG.score_expected && !row.individual_plan) {
      var r = localValue(st, "rating"), s = localValue(st, "score");
      if (r && (s === "" || s === null)) return M.missing_score;
    }
    // A 0 is a valid TT27 score (Điều 7.1.d) but is more often a slip of the finger: say so, do not refuse it.
    if (col.type === "score" && !col.no_test && String(localValue(st, "score")) === "0") return M.score_zero;
    return null;
  }

  /* ---------- rendering ---------- */
  var visible = []; // indexes of visible columns
  function computeVisible() {
    var showOptional = table.classList.contains("show-optional");
    visible = [];
    COLS.forEach(function (col, c) { if (!col.optional || showOptional) visible.push(c); });
  }

  function display(col, value) {
    if (value === null || value === undefined) return "";
    if (col.type === "bool") return value === true || value === "true" ? "✓" : "";
    if (col.type === "decimal") return String(value).replace(".", ",");  // Vietnamese decimal comma: 27,5 kg
    return String(value);
  }

  function cellTitle(col, value) {
    if (col.type === "subject_rating") return M.subject_words[value] ? value + " — " + M.subject_words[value] : "";
    if (col.type === "trait_rating") return M.trait_words[value] ? value + " — " + M.trait_words[value] : "";
    return col.type === "comment" ? String(value || "") : "";
  }

  function cellEl(r, c) { return tbody.rows[r] ? tbody.rows[r].cells[c + 1] : null; }

  function cellStatus(st, col) {
    var f = col.field;
    if (!st.row.follows) return { cls: "na" };
    if (st.conflict && f in st.conflict.mine) return { cls: "st-conflict", msg: fmt(M.conflict, {
      who: st.conflict.by, at: st.conflict.at, theirs: display(col, st.conflict.values[f]) || M.empty,
      mine: display(col, st.conflict.mine[f]) || M.empty }) };
    var value = localValue(st, f);
    var check = validate(col, value, st);
    if (check.error && (f in st.pending || f in st.failed)) return { cls: "st-error", msg: check.error };
    if (st.problems[f]) return { cls: "st-error", msg: st.problems[f] };
    if (f in st.pending) return { cls: "st-unsaved", msg: M.unsaved };
    if (st.inflight && f in st.inflight) return { cls: "st-saving", msg: M.saving };
    var warn = warningFor(col, st);
    if (warn) return { cls: "st-warn", msg: warn };
    if (st.justSaved && st.justSaved[f]) return { cls: "st-saved", msg: M.saved };
    return { cls: "", msg: "" };
  }

  function renderCell(r, c) {
    var td = cellEl(r, c);
    if (!td) return;
    var col = COLS[c], st = stateOf(r, c);
    var value = localValue(st, col.field);
    var status = cellStatus(st, col);
    td.className = "cell t-" + col.type + (col.optional ? " optional" : "") + (col.no_test ? " no-test" : "") +
      (status.cls ? " " + status.cls : "") + (td === active.td ? " active" : "");
    td.dataset.state = status.cls.replace("st-", "") || "clean";
    if (!editing || editing.td !== td) {
      td.textContent = st.row.follows ? display(col, value) : "—";
    }
    var title = cellTitle(col, value);
    td.title = [title, status.msg].filter(Boolean).join(" · ");
    if (td === active.td) showInfo();
  }

  function renderRow(r) { for (var c = 0; c < COLS.length; c++) renderCell(r, c); }
  function renderState(st) {
    var r = order.indexOf(st.row);
    COLS.forEach(function (col, c) { if (col.entry === st.entry) renderCell(r, c); });
  }

  function build() {
    var frag = document.createDocumentFragment();
    ROWS.forEach(function (row, r) {
      var tr = document.createElement("tr");
      tr.dataset.enrolment = row.enrolment;
      var th = document.createElement("th");
      th.scope = "row";
      th.className = "name";
      th.innerHTML = '<span class="stt">' + (r + 1) + ".</span> ";
      th.appendChild(document.createTextNode(row.name));
      if (row.status_label) {
        var tag = document.createElement("span"); tag.className = "tag"; tag.textContent = row.status_label;
        th.appendChild(document.createTextNode(" ")); th.appendChild(tag);
      }
      if (!row.follows) {
        var na = document.createElement("span"); na.className = "tag"; na.textContent = M.not_followed;
        th.appendChild(document.createTextNode(" ")); th.appendChild(na);
      }
      tr.appendChild(th);
      COLS.forEach(function (col, c) {
        var td = document.createElement("td");
        td.tabIndex = -1;
        td.dataset.col = col.id;
        td.dataset.r = r; td.dataset.c = c;
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    tbody.appendChild(frag);
    for (var r = 0; r < ROWS.length; r++) renderRow(r);
  }

  /* ---------- status bar ---------- */
  var online = navigator.onLine !== false, authLost = false, forbidden = false, sending = false;

  function counts() {
    var unsent = 0, conflicts = 0;
    Object.keys(states).forEach(function (k) {
      var st = states[k];
      var ready = sendable(st);
      unsent += (ready ? Object.keys(ready).length : 0) + (st.inflight ? Object.keys(st.inflight).length : 0);
      if (st.conflict) conflicts += Object.keys(st.conflict.mine).length;
    });
    return { unsent: unsent, errors: table.querySelectorAll("td.st-error").length, conflicts: conflicts };
  }

  function updateStatus() {
    var n = counts();
    unsentEl.dataset.count = n.unsent;
    unsentEl.textContent = n.unsent ? fmt(M.unsent_count, { n: n.unsent }) : "";
    unsentEl.hidden = !n.unsent;
    errorsEl.dataset.count = n.errors + n.conflicts;
    errorsEl.textContent = (n.errors ? fmt(M.error_count, { n: n.errors }) : "") +
      (n.conflicts ? (n.errors ? " · " : "") + fmt(M.conflict_count, { n: n.conflicts }) : "");
    errorsEl.hidden = !(n.errors + n.conflicts);
    var state, text;
    if (!CFG.editable) { state = "readonly"; text = M.readonly; }
    else if (authLost) { state = "auth"; text = M.auth_lost; }
    else if (forbidden) { state = "forbidden"; text = M.forbidden; }
    else if (!online) { state = "offline"; text = M.offline; }
    else if (sending) { state = "saving"; text = M.saving; }
    else if (n.unsent) { state = "unsaved"; text = M.unsaved_wait; }
    else if (n.errors || n.conflicts) { state = "attention"; text = M.needs_attention; }
    else { state = "saved"; text = M.all_saved; }
    syncEl.dataset.state = state;
    syncEl.textContent = text;
  }

  /* ---------- the queue: IndexedDB (localStorage where it is missing) ---------- */
  var storageOk = true, dbPromise = null, lastWrite = Promise.resolve();
  function idb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var rq = indexedDB.open("hocbaso", 1);
        rq.onupgradeneeded = function () { rq.result.createObjectStore("queue"); };
        rq.onsuccess = function () { resolve(rq.result); };
        rq.onerror = function () { reject(rq.error); };
      });
    }
    return dbPromise;
  }
  function idbDo(mode, fn) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("queue", mode), out = fn(tx.objectStore("queue"));
        tx.oncomplete = function () { resolve(out && out.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function storageFailed() {
    if (storageOk) notice(M.storage_failed, "bad");
    storageOk = false;
  }
  function queueWrite(value) {
    return idbDo("readwrite", function (store) {
      if (value) store.put(value, CFG.storage_key); else store.delete(CFG.storage_key);
    }).then(function () { storageOk = true; }, function () {
      try {  // no IndexedDB (an old browser, a private window): localStorage
        if (value) localStorage.setItem(CFG.storage_key, JSON.stringify(value));
        else localStorage.removeItem(CFG.storage_key);
        storageOk = true;
      } catch (e) { storageFailed(); }
    });
  }
  function queueRead() {
    var legacy = null;
    try { legacy = JSON.parse(localStorage.getItem(CFG.storage_key) || "null"); } catch (e) { legacy = null; }
    return idbDo("readonly", function (store) { return store.get(CFG.storage_key); })
      .then(function (stored) {
        // A queue an earlier version left in localStorage moves to IndexedDB (the newer one wins).
        if (legacy) { try { localStorage.removeItem(CFG.storage_key); } catch (e) { /* ignore */ } }
        if (legacy && (!stored || (legacy.saved_at || 0) > (stored.saved_at || 0))) return legacy;
        return stored || null;
      }, function () { return legacy; });
  }

  // What is kept: every valid value not yet confirmed by the server, and the teacher's side of a conflict.
  // A value the grid or the server refused is not kept: it does not come back after a reload.
  function persist() {
    var queue = {};
    Object.keys(states).forEach(function (k) {
      var st = states[k];
      var values = Object.assign({}, st.conflict ? st.conflict.mine : {}, st.inflight || {}, sendable(st) || {});
      if (Object.keys(values).length) queue[k] = { rev: st.conflict ? st.conflict.rev : st.rev, values: values, base: st.base };
    });
    var value = Object.keys(queue).length ? { saved_at: Date.now(), rows: queue } : null;
    lastWrite = lastWrite.then(function () { return queueWrite(value); });
    return lastWrite;
  }

  function restore(raw) {
    if (!raw || !raw.rows) return 0;
    var n = 0;
    Object.keys(raw.rows).forEach(function (k) {
      var st = states[k], q = raw.rows[k];
      if (!st || !q || !q.values) return;
      // The revision the edits were made against, so a change made meanwhile by someone else shows as a conflict.
      st.rev = typeof q.rev === "number" ? q.rev : st.rev;
      st.base = q.base || {};
      Object.keys(q.values).forEach(function (f) { st.pending[f] = q.values[f]; n++; });
    });
    return n;
  }

  /* The sheet as the server holds it, kept by the service worker's page cache: a reload without network
     starts from the last saved values and revisions, not from the page as it was first opened. */
  var snapTimer = null;
  function snapshotSoon() {
    if (!CFG.page_cache || !window.caches) return;
    clearTimeout(snapTimer);
    snapTimer = setTimeout(function () {
      var byRow = {}, rows = [];
      Object.keys(states).forEach(function (k) {
        var st = states[k];
        if (!byRow[st.enrolment]) { byRow[st.enrolment] = { enrolment: st.enrolment, entries: {} }; rows.push(byRow[st.enrolment]); }
        byRow[st.enrolment].entries[st.entry] = { revision: st.rev, values: st.server };
      });
      caches.open(CFG.page_cache).then(function (cache) {
        return cache.put(CFG.data_url, new Response(JSON.stringify({ rows: rows }),
                                                    { headers: { "Content-Type": "application/json" } }));
      }).catch(function () { });
    }, 300);
  }

  /* ---------- editing values ---------- */
  function setValue(r, c, raw, opts) {
    if (!CFG.editable) return false;
    var col = COLS[c], st = stateOf(r, c);
    if (!st.row.follows) return false;
    var check = validate(col, raw, st);
    var value = check.error ? raw : check.value;
    var f = col.field;
    var before = localValue(st, f);
    if (!(opts && opts.history === false) && String(before) !== String(value === null ? "" : value)) {
      record({ r: r, c: c, before: before, after: value });
    }
    if (!(f in st.pending) && !(f in st.base)) st.base[f] = st.server[f] === undefined ? null : st.server[f];
    delete st.failed[f];
    delete st.problems[f];
    if (st.conflict && f in st.conflict.mine) delete st.conflict.mine[f];
    if (st.conflict && !Object.keys(st.conflict.mine).length) st.conflict = null;
    var serverValue = st.server[f] === undefined ? null : st.server[f];
    var same = !check.error && String(value === null ? "" : value) === String(serverValue === null ? "" : serverValue);
    if (same && !(st.inflight && f in st.inflight)) delete st.pending[f];
    else st.pending[f] = value;
    if (st.justSaved) delete st.justSaved[f];
    persist();
    renderState(st);
    updateStatus();
    schedule();
    return !check.error;
  }

  /* ---------- undo and redo: the previous value written again, through the same save path ---------- */
  var undoStack = [], redoStack = [], group = null, UNDO_MAX = 100;
  function record(step) {
    if (group) { group.push(step); return; }
    undoStack.push([step]);
    if (undoStack.length > UNDO_MAX) undoStack.shift();
    redoStack = [];
    undoButtons();
  }
  function beginGroup() { group = []; }
  function endGroup() {
    var steps = group;
    group = null;
    if (steps && steps.length) { undoStack.push(steps); redoStack = []; }
    undoButtons();
  }
  function replay(from, to, back) {
    if (editing) commit(0, 0, false);
    var steps = from.pop();
    if (!steps) return;
    var list = back ? steps.slice().reverse() : steps;
    list.forEach(function (step) { setValue(step.r, step.c, back ? step.before : step.after, { history: false }); });
    to.push(steps);
    focusCell(list[list.length - 1].r, list[list.length - 1].c);
    notice(fmt(back ? M.undone : M.redone, { n: steps.length }), "ok");
    undoButtons();
  }
  function undo() { replay(undoStack, redoStack, true); }
  function redo() { replay(redoStack, undoStack, false); }
  function undoButtons() {
    if (undoBtn) undoBtn.disabled = !undoStack.length;
    if (redoBtn) redoBtn.disabled = !redoStack.length;
  }
  if (undoBtn) undoBtn.addEventListener("click", undo);
  if (redoBtn) redoBtn.addEventListener("click", redo);
  [undoBtn, redoBtn].forEach(function (b) { if (b) b.addEventListener("mousedown", function (e) { e.preventDefault(); }); });

  /* A value the grid or the server refused: back to what the server holds. */
  function revert(st, f) {
    var r = order.indexOf(st.row);
    var c = COLS.findIndex(function (col) { return col.entry === st.entry && col.field === f; });
    var saved = st.server[f] === undefined || st.server[f] === null ? "" : st.server[f];
    delete st.failed[f];
    delete st.problems[f];
    setValue(r, c, saved, { history: false });
    delete st.pending[f];
    delete st.base[f];
    persist();
    renderState(st);
    updateStatus();
  }

  /* ---------- sending ---------- */
  var timer = null, retryDelay = 2000, again = false;
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay === undefined ? DEBOUNCE : delay);
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : CFG.csrf;
  }

  function sendable(st) {
    var out = {}, any = false;
    Object.keys(st.pending).forEach(function (f) {
      var col = COLS.filter(function (x) { return x.entry === st.entry && x.field === f; })[0];
      if (!col) return;
      var check = validate(col, st.pending[f], st);
      if (!check.error) { out[f] = check.value; any = true; }
    });
    return any ? out : null;
  }

  function flush() {
    clearTimeout(timer);
    if (!CFG.editable || authLost || forbidden) return Promise.resolve();
    if (sending) { again = true; return Promise.resolve(); }
    // No network at all (the phone says so): nothing is tried; the "online" event sends the queue.
    if (navigator.onLine === false) { online = false; updateStatus(); return Promise.resolve(); }
    var batch = [], sent = [];
    Object.keys(states).forEach(function (k) {
      var st = states[k];
      if (st.inflight || st.conflict) return;
      var values = sendable(st);
      if (!values) return;
      st.inflight = values;
      Object.keys(values).forEach(function (f) { delete st.pending[f]; });
      var item = { id: k, sheet: CFG.sheet, enrolment: st.enrolment, key: st.entry, values: values };
      if (st.entry === "y") {
        item.base = {};
        Object.keys(values).forEach(function (f) { item.base[f] = f in st.base ? st.base[f] : st.server[f]; });
      } else {
        item.revision = st.rev;
      }
      batch.push(item);
      sent.push(st);
    });
    if (!batch.length) { updateStatus(); return Promise.resolve(); }
    sending = true;
    sent.forEach(renderState);
    updateStatus();
    return fetch(CFG.save_url, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
      body: JSON.stringify({ entries: batch })
    }).then(function (resp) {
      if (resp.status === 401 || resp.type === "opaqueredirect" || resp.status === 0) {
        authLost = true; giveBack(sent); notice(M.auth_lost, "bad"); return;
      }
      if (resp.status === 403) {
        return resp.text().then(function (text) {
          if (/csrf/i.test(text)) { authLost = true; notice(M.auth_lost, "bad"); }
          else { forbidden = true; notice(M.forbidden, "bad"); }
          giveBack(sent);
        });
      }
      if (!resp.ok) { giveBack(sent); online = true; retryLater(); notice(fmt(M.server_error, { status: resp.status }), "bad"); return; }
      return resp.json().then(function (out) {
        online = true; retryDelay = 2000;
        (out.results || []).forEach(function (res, i) { apply(sent[i], res); });
        snapshotSoon();
      });
    }).catch(function () {
      giveBack(sent);
      online = false;
      retryLater();
    }).then(function () {
      sending = false;
      persist();
      sent.forEach(renderState);
      updateStatus();
      if (again || (online && anyPending())) { again = false; schedule(online ? 50 : retryDelay); }
    });
  }

  function anyPending() {
    return Object.keys(states).some(function (k) { return sendable(states[k]) && !states[k].conflict; });
  }

  function giveBack(sent) {
    sent.forEach(function (st) {
      if (!st.inflight) return;
      Object.keys(st.inflight).forEach(function (f) { if (!(f in st.pending)) st.pending[f] = st.inflight[f]; });
      st.inflight = null;
    });
  }

  function retryLater() {
    schedule(retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function apply(st, res) {
    var sentValues = st.inflight || {};
    st.inflight = null;
    if (!res) { Object.assign(st.failed, sentValues); return; }
    if (res.status === "saved") {
      if (typeof res.revision === "number") st.rev = res.revision;
      st.justSaved = st.justSaved || {};
      Object.keys(sentValues).forEach(function (f) {
        st.server[f] = sentValues[f];
        if (!(f in st.pending)) { delete st.base[f]; st.justSaved[f] = true; }
        else st.base[f] = sentValues[f];
      });
    } else if (res.status === "conflict") {
      st.conflict = { values: res.values || {}, by: res.by || "", at: res.at || "", rev: st.rev,
                      newRev: res.revision, mine: sentValues };
    } else {
      var problems = res.problems || [];
      Object.keys(sentValues).forEach(function (f) {
        st.failed[f] = sentValues[f];
        var mine = problems.filter(function (p) { return p.field === f; });
        var general = problems.filter(function (p) { return !(p.field in sentValues); });
        st.problems[f] = mine.concat(general).map(function (p) { return p.message; }).join(" ") || M.refused;
      });
    }
  }

  function resolveConflict(st, keepMine) {
    var c = st.conflict;
    if (!c) return;
    st.conflict = null;
    if (keepMine) {
      st.rev = c.newRev;
      Object.keys(c.mine).forEach(function (f) { st.server[f] = c.values[f]; st.pending[f] = c.mine[f]; });
      if (st.entry === "y") Object.keys(c.mine).forEach(function (f) { st.base[f] = c.values[f]; });
    } else {
      st.rev = c.newRev;
      Object.keys(c.values).forEach(function (f) { st.server[f] = c.values[f]; });
      Object.keys(c.mine).forEach(function (f) { delete st.base[f]; });
    }
    persist();
    renderState(st);
    updateStatus();
    schedule(0);
  }

  /* Fetch the sheet again and take others' changes into cells this browser has not changed. */
  function refresh() {
    return fetch(CFG.data_url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (out) {
        if (!out || !out.rows) return;
        out.rows.forEach(function (row) {
          Object.keys(row.entries).forEach(function (entry) {
            var st = states[row.enrolment + "|" + entry];
            if (!st || st.inflight || st.conflict || Object.keys(st.pending).length || Object.keys(st.failed).length) return;
            var stored = row.entries[entry];
            if (stored.revision !== st.rev || entry === "y") {
              st.rev = stored.revision; st.server = Object.assign({}, stored.values); renderState(st);
            }
          });
        });
      }).catch(function () { });
  }

  /* ---------- focus, keyboard, editor ---------- */
  var active = { r: 0, c: 0, td: null };
  var editing = null;

  function focusCell(r, c, opts) {
    if (!ROWS.length) return;
    r = Math.max(0, Math.min(ROWS.length - 1, r));
    if (visible.indexOf(c) < 0) c = visible[0];
    var prev = active.td;
    active = { r: r, c: c, td: cellEl(r, c) };
    if (prev && prev !== active.td) { prev.tabIndex = -1; prev.classList.remove("active"); }
    active.td.tabIndex = 0;
    active.td.classList.add("active");
    if (!opts || opts.focus !== false) active.td.focus({ preventScroll: false });
    showInfo();
  }

  function move(dr, dc, opts) {
    var vi = visible.indexOf(active.c) + dc;
    var r = active.r + dr;
    if (vi >= visible.length) { vi = 0; r += 1; }
    if (vi < 0) { vi = visible.length - 1; r -= 1; }
    focusCell(Math.max(0, Math.min(ROWS.length - 1, r)), visible[Math.max(0, Math.min(visible.length - 1, vi))], opts);
    if (opts && opts.focus === false && active.td) {
      active.td.scrollIntoView({ block: "nearest", inline: "nearest" });
      keepAboveBar(active.td);
    }
  }

  /* On a phone the bar covers the bottom of the screen: the selected cell is kept above it (the grid scrolls
     first, then the page). */
  function keepAboveBar(td) {
    if (!quick || quick.hidden || getComputedStyle(quick).position !== "fixed") return;
    var limit = quick.getBoundingClientRect().top - 6, rect = td.getBoundingClientRect();
    if (rect.bottom <= limit) return;
    var wrap = td.closest(".grid-wrap"), need = rect.bottom - limit, before = wrap.scrollTop;
    wrap.scrollTop += need;
    var left = need - (wrap.scrollTop - before);
    if (left > 0) window.scrollBy(0, left);
  }

  function showInfo() {
    if (!active.td || !info) return;
    var col = COLS[active.c], st = stateOf(active.r, active.c), status = cellStatus(st, col);
    var value = localValue(st, col.field);
    info.innerHTML = "";
    var head = document.createElement("strong");
    head.textContent = order[active.r].name + " · " + col.label;
    info.appendChild(head);
    var words = cellTitle(col, value);
    if (words && col.type !== "comment") info.appendChild(document.createTextNode(": " + words));
    if (status.msg) {
      var msg = document.createElement("span");
      msg.className = "msg " + status.cls;
      msg.textContent = status.msg;
      info.appendChild(document.createTextNode(" "));
      info.appendChild(msg);
    }
    if (status.cls === "st-error" && CFG.editable) {
      var saved = st.server[col.field];
      var back = document.createElement("button"); back.type = "button"; back.className = "revert";
      back.textContent = fmt(M.revert, { value: display(col, saved) || M.empty });
      back.title = M.revert_title;
      back.onclick = function () { revert(st, col.field); focusCell(active.r, active.c); };
      info.appendChild(back);
    }
    if (st.conflict && col.field in st.conflict.mine) {
      var mine = document.createElement("button"); mine.type = "button"; mine.textContent = M.keep_mine;
      mine.className = "keep-mine";
      mine.onclick = function () { resolveConflict(st, true); focusCell(active.r, active.c); };
      var theirs = document.createElement("button"); theirs.type = "button"; theirs.textContent = M.take_theirs;
      theirs.className = "take-theirs";
      theirs.onclick = function () { resolveConflict(st, false); focusCell(active.r, active.c); };
      info.appendChild(mine); info.appendChild(theirs);
    }
    if (col.type === "comment" && CFG.editable && st.row.follows && phrasesFor(col, st)) {
      var pick = document.createElement("button"); pick.type = "button";
      pick.textContent = TOUCH ? M.pick_phrase_touch : M.pick_phrase;
      pick.className = "pick-phrase";
      pick.onclick = function () { openPicker(active.r, active.c); };
      info.appendChild(pick);
    }
    renderQuick(col);
  }

  function isNumber(col) { return col.type === "score" || col.type === "int" || col.type === "decimal"; }

  function renderQuick(col) {
    if (!quick) return;
    var choices = [];
    if (col.type === "subject_rating") choices = Object.keys(SCALES.subject);
    if (col.type === "trait_rating") choices = Object.keys(SCALES.trait);
    var keepFocus = document.activeElement && document.activeElement.id === "quick-input";
    var follows = active.td && stateOf(active.r, active.c).row.follows;
    var number = TOUCH && isNumber(col) && !col.no_test && follows;
    var here = active.r + ":" + active.c, field = document.getElementById("quick-input");
    if (quick.dataset.cell === here && quick.childElementCount && CFG.editable) {
      // The same cell drawn again (a save came back): the bar stays as it is, and what is being typed with it.
      if (number && field) field.placeholder = display(col, localValue(stateOf(active.r, active.c), col.field)) || col.label;
      return;
    }
    quick.dataset.cell = here;
    quick.innerHTML = "";
    quick.hidden = !(choices.length || number) || !CFG.editable;
    if (number && CFG.editable) {
      var st = stateOf(active.r, active.c), now = display(col, localValue(st, col.field));
      var label = document.createElement("span"); label.className = "quick-who";
      label.textContent = order[active.r].name;
      var input = document.createElement("input");
      input.type = "text"; input.id = "quick-input"; input.autocomplete = "off";
      input.inputMode = col.type === "decimal" ? "decimal" : "numeric";
      input.placeholder = now || col.label;
      input.setAttribute("aria-label", order[active.r].name + " · " + col.label);
      var go = document.createElement("button"); go.type = "button"; go.id = "quick-save"; go.textContent = M.write_next;
      var write = function () {
        // Only what is typed here replaces the saved value; an empty field leaves it and goes on.
        if (input.value.trim() !== "") setValue(active.r, active.c, input.value);
        move(1, 0, { focus: false });
        var next = document.getElementById("quick-input");
        if (next) next.focus();
      };
      go.onmousedown = function (e) { e.preventDefault(); };
      go.onclick = write;
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); write(); } });
      quick.appendChild(label); quick.appendChild(input); quick.appendChild(go);
      if (keepFocus) input.focus();
      return;
    }
    choices.forEach(function (letter) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = letter;
      b.title = (col.type === "subject_rating" ? M.subject_words : M.trait_words)[letter];
      b.onmousedown = function (e) { e.preventDefault(); };
      b.onclick = function () { setValue(active.r, active.c, letter); move(1, 0, { focus: !TOUCH }); };
      quick.appendChild(b);
    });
    if (choices.length) {
      var clear = document.createElement("button"); clear.type = "button"; clear.textContent = M.clear;
      clear.onmousedown = function (e) { e.preventDefault(); };
      clear.onclick = function () { setValue(active.r, active.c, ""); };
      quick.appendChild(clear);
    }
  }

  function openEditor(initial, keepValue, opts) {
    if (!CFG.editable || editing) return;
    var col = COLS[active.c], st = stateOf(active.r, active.c);
    if (!st.row.follows) return;
    var td = active.td;
    var input = document.createElement("input");
    input.type = "text";
    input.className = "editor";
    input.setAttribute("aria-label", order[active.r].name + " · " + col.label);
    if (col.type === "score" || col.type === "int" || col.type === "decimal") input.inputMode = "decimal";
    var current = localValue(st, col.field);
    var shown = col.type === "decimal" ? display(col, current) : String(current === null ? "" : current);
    input.value = keepValue ? display(col, current) === "✓" ? "x" : shown : (initial || "");
    editing = { td: td, input: input, r: active.r, c: active.c };
    td.textContent = "";
    td.appendChild(input);
    input.focus();
    if (opts && opts.selectAll) {
      // The saved value is selected, so what is typed replaces it ("1m36" then "136" gives "136", never
      // "1m36136"), unless the teacher first places the cursor inside it.
      var fresh = true;
      input.select();
      setTimeout(function () { if (fresh && editing && editing.input === input) input.select(); }, 0);
      input.addEventListener("pointerup", function () { fresh = false; });
      input.addEventListener("keydown", function (e) { if (/^(Arrow|Home|End)/.test(e.key)) fresh = false; });
      input.addEventListener("beforeinput", function (e) {
        if (fresh && /^insert/.test(e.inputType || "")) input.select();
        fresh = false;
      });
    } else {
      var end = opts && typeof opts.caret === "number" ? opts.caret : input.value.length;
      input.setSelectionRange(end, end);
    }
    input.addEventListener("keydown", editorKey);
    input.addEventListener("blur", function () { if (editing && editing.input === input) commit(0, 0, false); });
    input.addEventListener("paste", function (e) {
      var text = (e.clipboardData || window.clipboardData).getData("text");
      if (/[\t\n]/.test(text.replace(/\r?\n$/, ""))) { e.preventDefault(); cancel(); pasteBlock(text); }
    });
  }

  function commit(dr, dc, refocus) {
    if (!editing) return;
    var ed = editing;
    editing = null;
    var value = ed.input.value;
    ed.input.remove();
    setValue(ed.r, ed.c, value);
    renderCell(ed.r, ed.c);
    if (refocus !== false) { if (dr || dc) move(dr, dc); else focusCell(ed.r, ed.c); }
  }

  function cancel() {
    if (!editing) return;
    var ed = editing;
    editing = null;
    ed.input.remove();
    renderCell(ed.r, ed.c);
    focusCell(ed.r, ed.c);
  }

  function editorKey(e) {
    var col = COLS[editing.c];
    if (e.key === "Enter") { e.preventDefault(); commit(e.shiftKey ? -1 : 1, 0); }
    else if (e.key === "Tab") { e.preventDefault(); commit(0, e.shiftKey ? -1 : 1); }
    else if (e.key === "Escape") { e.preventDefault(); cancel(); }
    else if (e.key === "ArrowUp" || e.key === "ArrowDown") { e.preventDefault(); commit(e.key === "ArrowUp" ? -1 : 1, 0); }
    else if ((e.key === "ArrowLeft" || e.key === "ArrowRight") && col.type !== "comment") {
      e.preventDefault(); commit(0, e.key === "ArrowLeft" ? -1 : 1);
    } else if (e.key === "F4" || (e.altKey && e.key === "ArrowDown")) {
      e.preventDefault();
      var caret = editing.input.selectionStart;
      commit(0, 0);
      openPicker(active.r, active.c, caret);
    }
  }

  function isRating(col) { return col.type === "subject_rating" || col.type === "trait_rating"; }

  table.addEventListener("keydown", function (e) {
    if (editing || !active.td || e.target.tagName === "INPUT") return;
    var col = COLS[active.c];
    var k = e.key;
    if ((e.ctrlKey || e.metaKey) && (k === "z" || k === "Z")) { e.preventDefault(); if (e.shiftKey) redo(); else undo(); }
    else if ((e.ctrlKey || e.metaKey) && (k === "y" || k === "Y")) { e.preventDefault(); redo(); }
    else if (k === "ArrowDown") { e.preventDefault(); move(1, 0); }
    else if (k === "ArrowUp") { e.preventDefault(); move(-1, 0); }
    else if (k === "ArrowRight") { e.preventDefault(); move(0, 1); }
    else if (k === "ArrowLeft") { e.preventDefault(); move(0, -1); }
    else if (k === "Tab") { e.preventDefault(); move(0, e.shiftKey ? -1 : 1); }
    else if (k === "Enter") {
      e.preventDefault();
      if (col.type === "comment" && !e.shiftKey) openEditor("", true); else move(e.shiftKey ? -1 : 1, 0);
    }
    else if (k === "F2") { e.preventDefault(); openEditor("", true); }
    else if (k === "Home") { e.preventDefault(); focusCell(e.ctrlKey ? 0 : active.r, visible[0]); }
    else if (k === "End") { e.preventDefault(); focusCell(e.ctrlKey ? ROWS.length - 1 : active.r, visible[visible.length - 1]); }
    else if (k === "PageDown") { e.preventDefault(); move(10, 0); }
    else if (k === "PageUp") { e.preventDefault(); move(-10, 0); }
    else if (k === "Delete" || k === "Backspace") { e.preventDefault(); setValue(active.r, active.c, col.type === "bool" ? false : ""); }
    else if (k === "F4" || (e.altKey && k === "ArrowDown")) { e.preventDefault(); openPicker(active.r, active.c); }
    else if (k === " " && col.type === "bool") { e.preventDefault(); setValue(active.r, active.c, !localValue(stateOf(active.r, active.c), col.field)); }
    else if (k.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (!CFG.editable) return;
      e.preventDefault();
      if (isRating(col)) {
        // One letter is the whole value: write it and go to the next pupil (T ↓ T ↓ H ↓ …).
        var ok = setValue(active.r, active.c, k);
        if (ok) move(1, 0); else showInfo();
      } else if (col.type === "bool") {
        setValue(active.r, active.c, k); move(1, 0);
      } else {
        openEditor(k, false);
      }
    }
  });

  table.addEventListener("click", function (e) {
    var td = e.target.closest("td.cell");
    if (!td || editing && editing.td === td) return;
    var r = +td.dataset.r, c = +td.dataset.c;
    if (active.td === td && !isRating(COLS[c])) {
      if (COLS[c].type === "bool") { setValue(r, c, !localValue(stateOf(r, c), COLS[c].field)); return; }
      openEditor("", true, { selectAll: COLS[c].type !== "comment" });
      return;
    }
    focusCell(r, c);
  });
  table.addEventListener("dblclick", function (e) {
    var td = e.target.closest("td.cell");
    if (!td || (editing && editing.td === td)) return;  // the second tap already opened it, value selected
    focusCell(+td.dataset.r, +td.dataset.c);
    openEditor("", true);
  });

  /* ---------- paste a block from Excel (tab-separated, rows by newline) ---------- */
  function parseClipboard(text) {
    var rows = [], row = [], cell = "", quoted = false, i = 0;
    text = text.replace(/\r\n?/g, "\n");
    for (; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"' && cell === "") quoted = true;
      else if (ch === "\t") { row.push(cell); cell = ""; }
      else if (ch === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; }
      else cell += ch;
    }
    if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
    return rows;
  }

  function pasteBlock(text) {
    if (!CFG.editable) { notice(M.readonly, "bad"); return; }
    var block = parseClipboard(text);
    var start = visible.indexOf(active.c), written = 0, skipped = 0, invalid = 0;
    beginGroup();
    block.forEach(function (values, dr) {
      var r = active.r + dr;
      if (r >= ROWS.length) { skipped += values.length; return; }
      values.forEach(function (value, dc) {
        var vi = start + dc;
        if (vi >= visible.length) { skipped++; return; }
        var c = visible[vi];
        if (!ROWS[r].follows) { skipped++; return; }
        if (!setValue(r, c, value)) invalid++;
        written++;
      });
    });
    endGroup();
    notice(fmt(M.pasted, { n: written }) + (skipped ? " " + fmt(M.paste_skipped, { n: skipped }) : "") +
      (invalid ? " " + fmt(M.paste_invalid, { n: invalid }) : ""), invalid ? "bad" : "ok");
    schedule(200);
  }

  document.addEventListener("paste", function (e) {
    if (editing || !active.td || !table.contains(document.activeElement)) return;
    e.preventDefault();
    pasteBlock((e.clipboardData || window.clipboardData).getData("text"));
  });
  document.addEventListener("copy", function (e) {
    if (editing || !active.td || !table.contains(document.activeElement)) return;
    var col = COLS[active.c];
    e.clipboardData.setData("text/plain", display(col, localValue(stateOf(active.r, active.c), col.field)));
    e.preventDefault();
  });

  /* ---------- comment phrases: the teacher's own, then the school's bank ---------- */
  var dialog = document.getElementById("phrase-dialog");
  function phrasesFor(col, st) {
    var bank = PHRASES[col.entry];
    var groups = [];
    if (OWN.length) groups.push({ key: "own", label: M.own_phrases, phrases: OWN.map(function (p) { return p.text; }), own: true });
    if (!bank) return groups.length ? groups : null;
    var first = col.entry === "y" ? st.row.outcome : localValue(st, "rating");
    var labels = col.entry === "y" ? M.outcome_words : (col.entry === "s" ? M.subject_words : M.trait_words);
    var school = [];
    Object.keys(bank).forEach(function (k) {
      if (bank[k] && bank[k].length) school.push({ key: k, label: (labels[k] || k), phrases: bank[k] });
    });
    school.sort(function (a, b) { return (b.key === first) - (a.key === first); });
    groups = groups.concat(school);
    return groups.length ? groups : null;
  }

  function squash(text) { return String(text || "").replace(/\s+/g, " ").trim().toLowerCase(); }

  /* The phrase goes where the cursor was (the end when the cell was not open); a sentence already in the
     comment is not written twice. */
  function insertPhrase(now, phrase, caret) {
    if (squash(now).indexOf(squash(phrase)) >= 0) return null;
    var pos = typeof caret === "number" ? Math.max(0, Math.min(caret, now.length)) : now.length;
    var head = now.slice(0, pos).replace(/\s+$/, ""), tail = now.slice(pos).replace(/^\s+/, "");
    var text = head + (head ? " " : "") + phrase + (tail ? " " + tail : "");
    return { text: text, caret: (head ? head.length + 1 : 0) + phrase.length };
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (out) {
        if (!resp.ok) throw new Error(out.error || fmt(M.server_error, { status: resp.status }));
        return out;
      });
    });
  }

  function openPicker(r, c, caret) {
    var col = COLS[c], st = stateOf(r, c);
    if (!dialog || col.type !== "comment" || !CFG.editable || !st.row.follows) return;
    var groups = phrasesFor(col, st) || [];
    var list = dialog.querySelector(".phrases");
    list.innerHTML = "";
    dialog.querySelector(".who").textContent = order[r].name + " · " + col.label;
    var now = String(localValue(st, col.field) || "");
    groups.forEach(function (g) {
      var h = document.createElement("h3"); h.textContent = g.label; list.appendChild(h);
      g.phrases.forEach(function (p, i) {
        var line = document.createElement("div"); line.className = "phrase-line";
        var b = document.createElement("button");
        b.type = "button"; b.className = "phrase" + (g.own ? " own" : ""); b.textContent = p;
        var present = squash(now).indexOf(squash(p)) >= 0;
        if (present) { b.disabled = true; b.title = M.phrase_present; b.classList.add("present"); }
        b.onclick = function () {
          var out = insertPhrase(String(localValue(st, col.field) || ""), p, caret);
          dialog.close();
          focusCell(r, c);
          if (!out) { notice(M.phrase_present, "ok"); return; }
          openEditor(out.text, false, { caret: out.caret });
        };
        line.appendChild(b);
        if (g.own) {
          var del = document.createElement("button");
          del.type = "button"; del.className = "phrase-delete"; del.textContent = "×";
          del.title = M.phrase_delete; del.setAttribute("aria-label", M.phrase_delete + ": " + p);
          del.onclick = function () {
            var own = OWN[i];
            postJSON(CFG.phrase_delete_url.replace(/\/0\/xoa\/$/, "/" + own.id + "/xoa/")).then(function () {
              OWN = OWN.filter(function (x) { return x.id !== own.id; });
              openPicker(r, c, caret);
            }).catch(function (err) { notice(err.message, "bad"); });
          };
          line.appendChild(del);
        }
        list.appendChild(line);
      });
    });
    // The teacher's own phrase, kept for this sheet (and offered first next time).
    var add = document.createElement("div"); add.className = "phrase-add";
    var field = document.createElement("input"); field.type = "text"; field.id = "phrase-new";
    field.placeholder = M.phrase_new; field.setAttribute("aria-label", M.phrase_new);
    var keep = document.createElement("button"); keep.type = "button"; keep.id = "phrase-keep"; keep.textContent = M.phrase_keep;
    var save = function () {
      var text = field.value.trim();
      if (!text) return;
      postJSON(CFG.phrase_add_url, { sheet: CFG.sheet, text: text }).then(function (out) {
        if (!OWN.some(function (x) { return x.id === out.id; })) OWN.push({ id: out.id, text: out.text });
        openPicker(r, c, caret);
      }).catch(function (err) { notice(err.message, "bad"); });
    };
    keep.onclick = save;
    field.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); save(); } });
    add.appendChild(field); add.appendChild(keep);
    list.appendChild(add);
    if (!dialog.open) dialog.showModal();
    var firstButton = list.querySelector("button.phrase:not([disabled])") || field;
    if (firstButton) firstButton.focus();
  }
  if (dialog) {
    dialog.addEventListener("close", function () { if (active.td && !editing) active.td.focus(); });
  }

  /* ---------- notices, connectivity, lifecycle ---------- */
  function notice(text, kind) {
    if (!noticeEl) return;
    noticeEl.textContent = text;
    noticeEl.dataset.kind = kind || "";
    noticeEl.hidden = !text;
  }

  window.addEventListener("online", function () { online = true; retryDelay = 2000; updateStatus(); flush().then(refresh); });
  window.addEventListener("offline", function () { online = false; updateStatus(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { persist(); if (online) flush(); }
    else if (navigator.onLine !== false) { online = true; updateStatus(); flush().then(refresh); }
  });
  window.addEventListener("pagehide", persist);

  var toggle = document.getElementById("toggle-optional");
  if (toggle) {
    toggle.addEventListener("change", function () {
      table.classList.toggle("show-optional", toggle.checked);
      computeVisible();
      focusCell(active.r, visible.indexOf(active.c) >= 0 ? active.c : visible[0]);
    });
  }

  computeVisible();
  build();
  if (ROWS.length) focusCell(0, visible[0], { focus: false });
  updateStatus();
  undoButtons();
  var ready = queueRead().then(function (raw) {
    var restored = restore(raw);
    Object.keys(states).forEach(function (k) { renderState(states[k]); });
    if (restored) notice(fmt(M.restored, { n: restored }), "ok");
    updateStatus();
    // Opened without network (from the service worker's copy): take the last saved values it keeps.
    if (!navigator.onLine) refresh();
    if (restored && CFG.editable) schedule(0);
  });
  // For tests and for the curious: the grid's own view of what is unsent; persisted() settles once the
  // queue is written to the device.
  window.hocbasoGrid = { flush: flush, counts: counts, states: states, ready: function () { return ready; },
                         persisted: function () { return lastWrite; } };
})();
