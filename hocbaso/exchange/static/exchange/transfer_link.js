/* The transfer link's page: the bearer token is the address's fragment (#…), which the browser never sends to the
   server (so it stays out of access logs). Copy it into the form, which posts it, and take it off the address
   bar and the history. A pasted link or token works too (the server reads the part after # or the last path). */
(function () {
  "use strict";
  var input = document.getElementById("transfer-token");
  if (!input) return;
  var token = location.hash.replace(/^#/, "");
  if (token) {
    input.value = decodeURIComponent(token);
    history.replaceState(null, "", location.pathname);
  }
  input.form.addEventListener("submit", function () {
    var match = /chuyen-truong\/#?([A-Za-z0-9_\-]+)/.exec(input.value);
    if (match) input.value = match[1];
  });
})();
