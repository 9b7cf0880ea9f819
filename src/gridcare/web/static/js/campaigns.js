// The new-campaign form: how many customers the target reaches, as the criteria change.
(function () {
  const form = document.getElementById("new-campaign");
  const out = document.getElementById("audience");
  if (!form || !out) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let timer = null;

  function target() {
    const data = new FormData(form);
    const t = { grid_ids: data.getAll("grid_ids").map(Number), tag: data.get("tag") || null };
    const node = (data.get("node") || "").trim();
    if (node) t.node = { utility: data.get("node_utility"), code: node };
    const polygon = (data.get("polygon") || "").trim();
    if (polygon) { try { t.polygon = JSON.parse(polygon); } catch (e) { return null; } }
    return { target: t, channel: data.get("channel"), topic: data.get("topic") };
  }

  async function preview() {
    const body = target();
    const t = body && body.target;
    if (!t || !(t.grid_ids.length || t.tag || t.node || t.polygon)) { out.textContent = ""; return; }
    const response = await fetch("/api/v1/campaigns/preview", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body) });
    const answer = await response.json();
    out.textContent = response.ok ? out.dataset.label.replace("%(n)s", answer.recipients).replace("%(m)s", answer.opted_out) : (answer.detail || "");
  }

  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(preview, 250); });
})();

// The area criterion: click the map to add corners of a polygon over the grids in scope
// (no base tiles: closed networks); the polygon's GeoJSON goes into the form's field.
(function () {
  const el = document.getElementById("campaign-map");
  const field = document.querySelector('#new-campaign textarea[name="polygon"]');
  if (!el || !field || !window.L) return;
  const map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  const corners = [];
  let shape = null;

  function draw() {
    if (shape) shape.remove();
    shape = corners.length ? L.polygon(corners, { color: "#c62828", weight: 2, fillOpacity: 0.15 }).addTo(map) : null;
    if (corners.length >= 3) {
      const ring = corners.map(function (p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; });
      ring.push(ring[0]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else {
      field.value = "";
    }
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  fetch("/api/v1/grids/geojson", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      const layer = L.geoJSON(fc, { interactive: false, style: { color: "#5c7893", weight: 1, fillOpacity: 0.08 } }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
      else map.setView([28.2, 112.95], 11);
      el.dataset.ready = String(fc.features.length);
    });
  map.on("click", function (e) { corners.push(e.latlng); draw(); });
  document.getElementById("clear-area").addEventListener("click", function () { corners.length = 0; draw(); });
})();
