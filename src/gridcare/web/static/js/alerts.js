// The evidence chart of an alert: the history of the same weekday (or hour) as bars, the
// expected level as a line, the band as a shaded area, and the observed count in red.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("alert-chart");
    var src = document.getElementById("alert-data");
    if (!el || !src || !window.echarts) return;
    var d = JSON.parse(src.textContent);
    var l = document.getElementById("alert-labels").dataset;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 36, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [l.history, l.observed, l.expected] },
      xAxis: { type: "category", data: d.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1, max: function (v) { return Math.max(v.max, Math.ceil(d.upper) + 1); } },
      series: [
        { name: l.history, type: "bar", stack: "n", data: d.history, itemStyle: { color: "#90a4ae" },
          markArea: { silent: true, itemStyle: { color: "rgba(31,138,76,0.12)" }, label: { show: true, position: "insideTopLeft", formatter: l.band },
            data: [[{ yAxis: d.lower }, { yAxis: d.upper }]] } },
        { name: l.observed, type: "bar", stack: "n", data: d.observed, itemStyle: { color: "#c62828" }, label: { show: true, position: "top" } },
        { name: l.expected, type: "line", data: d.labels.map(function () { return d.expected; }), symbol: "none", lineStyle: { type: "dashed", color: "#1f8a4c" }, itemStyle: { color: "#1f8a4c" } }
      ]
    });
    window.addEventListener("resize", function () { c.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
