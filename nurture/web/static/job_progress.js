// Live progress of a background job: poll the page's JSON endpoint, update the bar and the counts,
// and reload once the job has ended so the server renders the outcome. Without it the page
// refreshes itself (a <noscript> meta refresh).
(function () {
  var panel = document.querySelector("[data-progress-url]");
  if (!panel || panel.dataset.state === "finished" || panel.dataset.state === "failed") return;
  var texts = { queued: "Waiting for a worker…", running: "Working…", finished: "Finished", failed: "Failed" };
  function show(data) {
    var bar = panel.querySelector("progress");
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    panel.querySelector("[data-percent]").textContent = data.percent;
    panel.querySelector("[data-state-text]").textContent = texts[data.state] || data.state;
    Object.keys(data.counts || {}).forEach(function (name) {
      var cell = panel.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = data.counts[name];
    });
  }
  function poll() {
    fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return setTimeout(poll, 5000);
        show(data);
        if (data.state === "finished" || data.state === "failed") return window.location.reload();
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 500);
})();
