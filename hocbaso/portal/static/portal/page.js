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

  // Logging out on a shared phone: say so when this account still has unsent grid changes on this device.
  var logout = document.getElementById("logout-form");
  if (logout) logout.addEventListener("submit", function (e) {
    var prefix = "hocbaso:q:" + document.body.dataset.user + ":", n = 0;
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        if (k.indexOf(prefix) === 0) {
          var q = JSON.parse(localStorage.getItem(k) || "{}");
          Object.keys(q.rows || {}).forEach(function (r) { n += Object.keys(q.rows[r].values || {}).length; });
        }
      }
    } catch (err) {}
    if (n && !confirm(logout.dataset.unsent)) e.preventDefault();
  });
})();
