/* The progress page of a background job: poll the JSON endpoint until the job has finished.
   The page is drawn from the job's row, so a reload shows where the job stands; this only keeps it fresh. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var api = box.dataset.api, delay = 700, failures = 0;

  function show(id, on) { document.getElementById(id).hidden = !on; }
  function text(id, value) { document.getElementById(id).textContent = value; }

  function draw(d) {
    box.dataset.state = d.state;
    var bar = document.getElementById("job-bar");
    bar.setAttribute("aria-valuenow", d.percent);
    bar.querySelector(".fill").style.width = d.percent + "%";
    text("job-percent", d.percent + "%");
    text("job-state", d.state_name);
    text("job-count", d.done + "/" + d.total);
    text("job-message", d.state === "failed" ? "" : (d.message || ""));
    text("job-summary", d.summary || "");
    show("job-summary", !!d.summary);
    text("job-error", d.state === "failed" ? d.message : "");
    show("job-error", d.state === "failed");
    show("job-wait", !d.finished);
    show("job-done", d.finished);
    if (document.getElementById("job-cancel")) show("job-cancel", !d.finished);
  }

  function poll() {
    fetch(api, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        failures = 0;
        draw(d);
        if (!d.finished) setTimeout(poll, delay);
      })
      .catch(function () {
        failures += 1;  /* the connection dropped: keep trying, more slowly */
        setTimeout(poll, Math.min(10000, delay * (1 + failures)));
      });
  }

  if (box.dataset.state === "queued" || box.dataset.state === "running") setTimeout(poll, delay);
})();
