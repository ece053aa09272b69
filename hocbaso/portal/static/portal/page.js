/* Behaviour every portal page shares, kept out of the HTML so that the Content-Security-Policy can refuse
   inline scripts and handlers (script-src 'self'): the elements say what they want with data- attributes. */
(function () {
  "use strict";
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  // <form data-confirm="…">: ask before submitting.
  each("form[data-confirm]", function (form) {
    form.addEventListener("submit", function (e) { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
  });
  // <select data-navigate>: open the chosen option's address.
  each("select[data-navigate]", function (select) {
    select.addEventListener("change", function () { location.href = select.value; });
  });
  // <select data-autosubmit>: submit its form when the choice changes.
  each("select[data-autosubmit]", function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // <input data-select-all>: a click selects the whole value (a link to copy).
  each("input[data-select-all]", function (input) {
    input.addEventListener("click", function () { input.select(); });
  });
  // <div data-percent>: a progress bar's fill.
  each("[data-percent]", function (el) { el.style.width = el.dataset.percent + "%"; });

  // Logging out on a shared phone: say so when this account still has unsent grid changes on this device
  // (the grid's queue: IndexedDB "hocbaso", store "queue"; localStorage in browsers without it).
  function countUnsent(prefix) {
    var n = 0;
    function add(q) { Object.keys((q && q.rows) || {}).forEach(function (r) { n += Object.keys(q.rows[r].values || {}).length; }); }
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        if (k.indexOf(prefix) === 0) add(JSON.parse(localStorage.getItem(k) || "{}"));
      }
    } catch (err) { /* no storage: nothing to count */ }
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(n); return; }
      var rq = indexedDB.open("hocbaso", 1);
      rq.onupgradeneeded = function () { rq.result.createObjectStore("queue"); };
      rq.onerror = function () { resolve(n); };
      rq.onsuccess = function () {
        var cursor = rq.result.transaction("queue", "readonly").objectStore("queue").openCursor();
        cursor.onsuccess = function () {
          var c = cursor.result;
          if (!c) { resolve(n); return; }
          if (String(c.key).indexOf(prefix) === 0) add(c.value);
          c.continue();
        };
        cursor.onerror = function () { resolve(n); };
      };
    });
  }
  var logout = document.getElementById("logout-form"), asked = false;
  if (logout) logout.addEventListener("submit", function (e) {
    if (asked) return;
    e.preventDefault();
    countUnsent("hocbaso:q:" + document.body.dataset.user + ":").then(function (n) {
      if (n && !confirm(logout.dataset.unsent)) return;
      asked = true;
      logout.submit();
    });
  });

  // The installable app: the service worker keeps the pages a teacher opened for when there is no network.
  if ("serviceWorker" in navigator && document.body.dataset.sw) {
    navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" }).catch(function () { });
  }
})();
