// The pupil picker's search box: as the user types, the server's matches (portal:pupil_search, JSON) replace the
// picker's options, in Vietnamese order with class and birth date. Without JavaScript the box is a GET form that
// reloads the page with the same matches (?tim=).
(function () {
  "use strict";
  function attach(input) {
    var select = document.getElementById(input.getAttribute("data-target"));
    var status = document.getElementById(input.getAttribute("data-target") + "-search-status");
    if (!select) return;
    var timer = null, asked = 0;
    function show(results, more) {
      select.textContent = "";
      results.forEach(function (p) {
        var option = document.createElement("option");
        option.value = p.id;
        option.textContent = p.label;
        select.appendChild(option);
      });
      if (!results.length) {
        var none = document.createElement("option");
        none.value = "";
        none.textContent = status.getAttribute("data-none") || "—";
        select.appendChild(none);
      }
      status.textContent = results.length + (more ? "+" : "") + " " + (status.getAttribute("data-found") || "");
    }
    function ask() {
      var mine = ++asked;
      var url = input.getAttribute("data-pupil-search") + "?q=" + encodeURIComponent(input.value.trim());
      if (input.hasAttribute("data-class")) url += "&lop=" + input.getAttribute("data-class");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && mine === asked) show(data.results, data.more); })
        .catch(function () { /* the button still submits the form */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    input.form.addEventListener("submit", function (event) {
      event.preventDefault();
      ask();
    });
  }
  document.querySelectorAll("input[data-pupil-search]").forEach(attach);
})();
