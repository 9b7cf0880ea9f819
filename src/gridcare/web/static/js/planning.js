// Planning maps: the units coloured by workload, and grids (today's or a proposal's) each
// in its own colour, side by side with their views kept in step. No base tiles, as on the
// grid map: the shapes are the point, and tests must not need the internet.
(function () {
  "use strict";
  if (!window.L) return;
  function text(s) { var d = document.createElement("div"); d.textContent = s == null ? "—" : String(s); return d.innerHTML; }
  var palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295"];
  // By code, so a grid that carries on into a proposal keeps its colour on both maps.
  function colour(code) {
    var h = 0, s = String(code || "");
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return palette[h % palette.length];
  }
  function ramp(t) {
    t = Math.max(0, Math.min(1, t));
    var a = t < 0.5 ? [241, 247, 233] : [247, 201, 72], b = t < 0.5 ? [247, 201, 72] : [198, 40, 40], s = t < 0.5 ? t * 2 : (t - 0.5) * 2;
    return "rgb(" + a.map(function (v, i) { return Math.round(v + (b[i] - v) * s); }).join(",") + ")";
  }
  function newMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    return map;
  }
  function load(el, draw) {
    fetch(el.dataset.src, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; })
      .then(function (fc) { draw(fc); el.dataset.ready = String(fc.features.length); });
  }

  // Units by workload.
  document.querySelectorAll(".plan-map-units").forEach(function (el) {
    var map = newMap(el);
    load(el, function (fc) {
      var top = 0;
      fc.features.forEach(function (f) { top = Math.max(top, f.properties.hours || 0); });
      var layer = L.geoJSON(fc, {
        style: function (f) { return { color: "#8795a6", weight: 0.4, fillColor: ramp(top ? (f.properties.hours || 0) / top : 0), fillOpacity: 0.85 }; },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup("<strong>" + text(p.code) + "</strong><br>" + text(el.dataset.hours) + ": " + text(p.hours) + "<br>" + text(el.dataset.customers) + ": " + text(p.customers));
        }
      }).addTo(map);
      var b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [10, 10] }); else map.setView([28.2, 112.98], 11);
    });
  });

  // Grids side by side, views in step.
  var groups = {};
  document.querySelectorAll(".plan-map-grids").forEach(function (el) {
    var map = newMap(el), group = el.dataset.sync || "";
    (groups[group] = groups[group] || []).push(map);
    var moving = false;
    map.on("moveend", function () {
      if (moving) return;
      groups[group].forEach(function (other) {
        if (other === map) return;
        moving = true;
        other.setView(map.getCenter(), map.getZoom(), { animate: false });
        moving = false;
      });
    });
    load(el, function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) { return { color: "#ffffff", weight: 1, fillColor: colour(f.properties.code), fillOpacity: 0.7 }; },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var extra = p.workload_hours != null ? "<br>" + text(el.dataset.hours) + ": " + text(p.workload_hours) + "<br>" + text(el.dataset.customers) + ": " + text(p.customers) : "";
          l.bindPopup("<strong>" + text(p.code) + "</strong> " + text(p.name) + extra);
        }
      }).addTo(map);
      var b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [10, 10] }); else map.setView([28.2, 112.98], 11);
    });
  });
})();
