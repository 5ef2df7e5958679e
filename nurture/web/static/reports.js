// Draws each report table's chart with the vendored Chart.js. Without JavaScript the tables alone carry the
// figures; the charts stay hidden rather than leaving empty boxes.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var palette = ["#2557d6", "#f79009", "#067647", "#b42318", "#7a5af8", "#0e9384", "#c11574", "#5b6475"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var config = JSON.parse(canvas.getAttribute("data-chart"));
    config.data.datasets.forEach(function (dataset, i) {
      dataset.backgroundColor = palette[i % palette.length];
    });
    canvas.closest("figure").hidden = false;
    new window.Chart(canvas, config);
  });
})();
