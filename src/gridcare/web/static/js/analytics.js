// Analytics dashboard: ECharts from the page's JSON, clicks drill down to the orders behind
// a figure, and a choropleth of any order KPI over the grid map (no base tiles: closed
// networks). The wall refreshes itself through HTMX (hx-trigger="every 15s").
(function () {
  "use strict";
  function chart(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = echarts.init(el);
    c.setOption(option);
    if (onClick) c.on("click", onClick);
    window.addEventListener("resize", function () { c.resize(); });
    el.dataset.ready = "1";
    return c;
  }
  function go(base, extra) {
    var sep = base.indexOf("?") >= 0 ? "&" : "?";
    window.location.href = base + sep + extra;
  }

  var data = document.getElementById("analytics-data");
  if (data) {
    var d = JSON.parse(data.textContent);
    var labels = document.getElementById("analytics-labels").dataset;
    chart("chart-categories", {
      animation: false, grid: { left: 48, right: 16, top: 16, bottom: 40 }, tooltip: {},
      xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: 20 } }, yAxis: { type: "value", minInterval: 1 },
      series: [{ name: labels.orders, type: "bar", data: d.category_orders, itemStyle: { color: "#2f78c4" }, cursor: "pointer" }]
    }, function (p) { go(d.drill, "category=" + encodeURIComponent(d.category_keys[p.dataIndex])); });
    chart("chart-channels", {
      animation: false, tooltip: { trigger: "item" }, legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: d.channels.map(function (n, i) { return { name: n, value: d.channel_orders[i] }; }), cursor: "pointer" }]
    }, function (p) { go(d.drill, "channel=" + encodeURIComponent(d.channel_keys[p.dataIndex])); });
    chart("chart-trend", {
      animation: false, grid: { left: 56, right: 56, top: 36, bottom: 32 }, tooltip: { trigger: "axis" },
      legend: { top: 0, data: [labels.orders, labels.sla, labels.satisfaction] },
      xAxis: { type: "category", data: d.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}" } }],
      series: [
        { name: labels.orders, type: "bar", data: d.month_orders, itemStyle: { color: "#94bfe9" }, cursor: "pointer" },
        { name: labels.sla, type: "line", yAxisIndex: 1, data: d.month_sla, itemStyle: { color: "#1f8a4c" } },
        { name: labels.satisfaction, type: "line", yAxisIndex: 1, data: d.month_satisfaction.map(function (v) { return v == null ? null : v * 20; }), itemStyle: { color: "#c77700" } }
      ]
    }, function (p) { go("/analytics/orders", "period=month&at=" + encodeURIComponent(d.months[p.dataIndex])); });
  }

  var el = document.getElementById("kpi-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  var palette = ["#e8f1fb", "#c5dcf4", "#94bfe9", "#5c9bd9", "#2f78c4", "#0b5aa6", "#083f75"];
  var layer = null, shapes = null;
  function text(s) { var t = document.createElement("div"); t.textContent = s == null ? "—" : String(s); return t.innerHTML; }
  function show(v, unit) {
    if (v == null) return el.dataset.empty;
    if (unit === "pct") return (v * 100).toFixed(1) + "%";
    if (unit === "count") return String(v);
    return Number(v).toFixed(1);
  }
  function draw(result) {
    var values = result.values, lo = Infinity, hi = -Infinity;
    Object.keys(values).forEach(function (k) { var v = values[k]; if (v != null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    function colour(v) {
      if (v == null || !isFinite(lo)) return "#f4f4f4";
      var t = hi > lo ? (v - lo) / (hi - lo) : 1;
      if (result.better === "higher") t = 1 - t;  // dark means worse, whichever way is better
      return palette[Math.min(palette.length - 1, Math.floor(t * (palette.length - 1) + 0.0001))];
    }
    if (layer) map.removeLayer(layer);
    layer = L.geoJSON(shapes, {
      style: function (f) { return { color: "#0d2a4a", weight: 1, fillOpacity: 0.8, fillColor: colour(values[String(f.id)]) }; },
      onEachFeature: function (f, l) {
        var v = values[String(f.id)];
        l.bindPopup("<strong>" + text(f.properties.name) + "</strong> <small>" + text(f.properties.code) + "</small><br>" +
          "<strong>" + text(show(v, result.unit)) + "</strong><br>" +
          '<a class="map-drill" href="' + result.drill + "&grid=" + f.id + '">' + text(el.dataset.drill) + " →</a>");
      }
    }).addTo(map);
    var legend = document.getElementById("kpi-map-legend");
    if (legend) legend.innerHTML = isFinite(lo) ? "<span>" + text(show(result.better === "higher" ? hi : lo, result.unit)) + "</span>" +
      palette.map(function (c) { return '<i style="background:' + c + '"></i>'; }).join("") + "<span>" + text(show(result.better === "higher" ? lo : hi, result.unit)) + "</span>" : "";
    el.dataset.ready = String(Object.keys(values).length);
  }
  function load() {
    var kpi = document.getElementById("map-kpi").value;
    var url = el.dataset.values.replace(/([?&])kpi=[^&]*&?/, "$1") + "&kpi=" + encodeURIComponent(kpi);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(draw);
  }
  fetch("/api/v1/grids/geojson?utility=" + encodeURIComponent(el.dataset.utility), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      shapes = fc;
      var bounds = L.geoJSON(fc).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] }); else map.setView([28.2, 112.98], 11);
      load();
    });
  document.getElementById("map-kpi").addEventListener("change", load);
})();
