// The live outage map: affected areas (hull of the customers off, or the drawn polygon),
// devices off as markers (orange when predicted), customers off as dots, and clusters of
// repair calls sized by count. No base tiles by default, as on the grid map.
(function () {
  "use strict";
  var el = document.getElementById("outage-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var colours = { predicted: "#e08a00", scheduled: "#2f78c4", active: "#c62828" };
  function text(s) { var d = document.createElement("div"); d.textContent = s == null ? "—" : String(s); return d.innerHTML; }

  // Grids underneath, faint, so the areas have a place.
  fetch("/api/v1/grids/geojson" + (el.dataset.utility ? "?utility=" + encodeURIComponent(el.dataset.utility) : ""), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (fc) { L.geoJSON(fc, { style: { color: "#9aa8b8", weight: 1, fillColor: "#eef2f6", fillOpacity: 0.4 }, interactive: false }).addTo(map).bringToBack(); });

  fetch(el.dataset.src, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var only = el.dataset.outage ? Number(el.dataset.outage) : null;
      var shown = fc.features.filter(function (f) { return only === null || f.properties.id === only || f.properties.layer === "calls"; });
      var layer = L.geoJSON({ type: "FeatureCollection", features: shown }, {
        style: function (f) {
          var c = colours[f.properties.status] || "#c62828";
          return { color: c, weight: 2, fillColor: c, fillOpacity: 0.25, dashArray: f.properties.status === "predicted" ? "6 4" : null };
        },
        pointToLayer: function (f, latlng) {
          var p = f.properties, c = colours[p.status] || "#c62828";
          if (p.layer === "device") return L.circleMarker(latlng, { radius: 9, color: "#222", weight: 2, fillColor: c, fillOpacity: 1 });
          if (p.layer === "calls") return L.circleMarker(latlng, { radius: 6 + Math.min(14, 2 * p.calls), color: "#6a1b9a", weight: 1, fillColor: "#ab47bc", fillOpacity: 0.5 });
          return L.circleMarker(latlng, { radius: 3, color: c, weight: 1, fillColor: c, fillOpacity: 0.8 });
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          if (p.layer === "calls") { l.bindPopup(text(el.dataset.calls) + ": <strong>" + text(p.calls) + "</strong><br>" + text((p.numbers || []).join(", "))); return; }
          if (p.layer === "customer") return;
          l.bindPopup("<strong>" + text(p.number) + "</strong> " + text(p.area) + (p.code ? "<br>" + text(p.code) + " " + text(p.name) : "") +
            "<br>" + text(el.dataset.customers) + ": " + text(p.customers) + '<br><a href="/outages/' + p.id + '">→</a>');
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 }); else map.setView([28.2, 112.98], 11);
      el.dataset.ready = String(shown.length);
    });
})();
