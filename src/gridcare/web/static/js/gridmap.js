// The grid map: polygons coloured by a measure, with rep and backup in the popup.
// No base tiles by default (closed networks); set data-tiles on the map element to add them.
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var palette = ["#e8f1fb", "#c5dcf4", "#94bfe9", "#5c9bd9", "#2f78c4", "#0b5aa6", "#083f75"];
  var measure = el.dataset.measure;

  function colour(v, max) {
    if (!max) return palette[0];
    return palette[Math.min(palette.length - 1, Math.floor((v / max) * (palette.length - 1) + 0.0001))];
  }
  function text(s) { var d = document.createElement("div"); d.textContent = s == null ? "—" : String(s); return d.innerHTML; }

  fetch("/api/v1/grids/geojson?utility=" + encodeURIComponent(el.dataset.utility), { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var only = el.dataset.grid ? Number(el.dataset.grid) : null;
      var max = 0;
      fc.features.forEach(function (f) { max = Math.max(max, Number(f.properties[measure]) || 0); });
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var mine = only === null || f.id === only;
          return { color: mine ? "#0d2a4a" : "#9aa8b8", weight: only !== null && mine ? 3 : 1, fillOpacity: mine ? 0.75 : 0.15,
                   fillColor: only !== null && mine ? "#2f78c4" : colour(Number(f.properties[measure]) || 0, max) };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup("<strong>" + text(p.name) + "</strong> <small>" + text(p.code) + "</small><br>" +
            text(el.dataset.rep) + ": " + text(p.rep) + " " + text(p.rep_phone) + "<br>" +
            text(el.dataset.backup) + ": " + text(p.backup) + "<br>" +
            (el.dataset.label ? text(el.dataset.label) + ": <strong>" + text(p[measure]) + "</strong><br>" : "") +
            '<a href="/grids/' + f.id + '">→</a>');
          l.on("mouseover", function () { l.setStyle({ weight: 3 }); });
          l.on("mouseout", function () { layer.resetStyle(l); });
        }
      }).addTo(map);
      var focus = only !== null ? layer.getLayers().filter(function (l) { return l.feature.id === only; }) : [];
      var bounds = focus.length ? focus[0].getBounds() : layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] }); else map.setView([28.2, 112.98], 11);
      el.dataset.ready = String(fc.features.length);
    });

  // Gaps and overlaps (the coverage check) drawn in red over the grids.
  var toggle = document.getElementById("show-coverage");
  var summary = document.getElementById("coverage-summary");
  var problems = null;
  if (toggle) toggle.addEventListener("change", function () {
    if (!toggle.checked) { if (problems) map.removeLayer(problems); summary.hidden = true; return; }
    fetch("/api/v1/grids/coverage?utility=" + encodeURIComponent(el.dataset.utility), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (report) {
        if (problems) map.removeLayer(problems);
        problems = L.geoJSON(report.geojson, {
          style: { color: "#c62828", weight: 2, fillColor: "#ef5350", fillOpacity: 0.6 },
          onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindPopup(text(p.kind) + ": " + text((p.grids || []).join(" / ")) + "<br>" + text(Math.round(p.area_m2)) + " m²");
          }
        }).addTo(map);
        summary.hidden = false;
        summary.textContent = report.ok ? summary.dataset.ok : summary.dataset.bad.replace("%(n)s", String(report.geojson.features.length));
        summary.className = report.ok ? "muted" : "alert error";
      });
  });
})();
