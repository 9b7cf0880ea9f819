// The rep's patrol map: today's stops as numbered pins (green once checked); a tap on a pin
// scrolls to its card. No base tiles unless configured, as on the other maps.
(function () {
  "use strict";
  var el = document.getElementById("field-map");
  if (!el || !window.L) return;
  var points = [];
  try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { points = []; }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var icon = L.divIcon({ className: "stop-pin" + (p.done ? " done" : ""), html: String(p.seq), iconSize: [24, 24] });
    var marker = L.marker([p.lat, p.lon], { icon: icon, title: p.name }).addTo(map);
    marker.on("click", function () {
      var card = document.getElementById("stop-" + p.id);
      if (card) card.scrollIntoView({ behavior: "smooth", block: "start" });
    });
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  else if (bounds.length === 1) map.setView(bounds[0], 16);
  else map.setView([28.2, 112.98], 11);
  // Where the rep stands, when the phone tells us.
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      L.circleMarker([pos.coords.latitude, pos.coords.longitude], { radius: 7, color: "#fff", weight: 2, fillColor: "#e08a00", fillOpacity: 1 }).addTo(map);
    }, function () {}, { timeout: 5000 });
  }
  el.dataset.ready = String(points.length);
})();
