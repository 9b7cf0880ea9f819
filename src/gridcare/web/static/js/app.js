// gridcare page glue: CSRF for HTMX requests and the live push stream.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  // Our API answers (errors, reasons) in the language asked for: ask for the page's, which is
  // the user's setting, not the browser's.
  var lang = document.documentElement.lang;
  document.addEventListener("htmx:configRequest", function (evt) {
    if (csrf) evt.detail.headers["X-CSRF-Token"] = csrf.content;
    if (lang) evt.detail.headers["Accept-Language"] = lang;
  });
  var plainFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = String(input instanceof Request ? input.url : input);
    if (!lang || !(url.charAt(0) === "/" || url.indexOf(location.origin + "/") === 0)) return plainFetch(input, init);
    init = Object.assign({}, init);
    var headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", lang);
    init.headers = headers;
    return plainFetch(input, init);
  };
  // Filters that apply as soon as they change: the Content-Security-Policy forbids inline
  // handlers (onchange="…"), so one listener serves every such control.
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.form && el.hasAttribute && el.hasAttribute("data-autosubmit")) el.form.submit();
  });

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.textContent = text; // never innerHTML: pushed text may come from customers
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  // One EventSource per page; domains listen for their events on `document`.
  function connect() {
    if (!document.body.dataset.user || !window.EventSource) return;
    var status = document.getElementById("live-status");
    var source = new EventSource("/events");
    window.gridcareEvents = source;
    source.onopen = function () { if (status) status.textContent = status.dataset.connected; };
    source.onerror = function () { if (status) status.textContent = status.dataset.disconnected; };
    source.addEventListener("notice", function (e) {
      var data = JSON.parse(e.data);
      toast(data.text || "");
      document.dispatchEvent(new CustomEvent("gridcare:notice", { detail: data }));
    });
    source.addEventListener("popup", function (e) {
      document.dispatchEvent(new CustomEvent("gridcare:popup", { detail: JSON.parse(e.data) }));
    });
    source.addEventListener("popup.closed", function (e) {
      document.dispatchEvent(new CustomEvent("gridcare:popup-closed", { detail: JSON.parse(e.data) }));
    });
  }
  window.gridcareToast = toast;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect); else connect();
})();

// Live countdowns (倒计时): every [data-due] counts down each second and changes colour.
(function () {
  "use strict";
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), left = Math.round((due - now) / 1000);
      var b = el.querySelector(".cd-left");
      if (b) {
        var a = Math.abs(left), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), s = a % 60;
        b.textContent = (left < 0 ? "-" : "") + (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
      }
      if (left < 0 && el.dataset.state !== "overdue") { el.classList.remove("cd-ok", "cd-warning"); el.classList.add("cd-overdue"); el.dataset.state = "overdue"; }
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  // Arrival records where the rep is (to-the-door proof); the form still submits without it.
  function fillGps(form) {
    var lon = form.querySelector(".gps-lon"), lat = form.querySelector(".gps-lat");
    if (!lon || !navigator.geolocation || lon.value) return;
    navigator.geolocation.getCurrentPosition(function (p) { lon.value = p.coords.longitude; lat.value = p.coords.latitude; }, function () {}, { timeout: 5000 });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (f) { if (f.querySelector(".gps-lon")) fillGps(f); });
  });
})();

// A table wider than a phone scrolls sideways; a keyboard user reaches that scroll only if
// the table can take focus, so a table that overflows gets a tab stop (and only then).
(function () {
  function focusable() {
    document.querySelectorAll(".grid-table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) t.setAttribute("tabindex", "0"); else t.removeAttribute("tabindex");
    });
  }
  document.addEventListener("DOMContentLoaded", focusable);
  window.addEventListener("resize", focusable);
})();

// Address suggestions on the intake form: what the caller says is matched against known
// addresses; choosing one fills the account, so the order finds its customer and grid.
(function () {
  "use strict";
  var timer = null;
  function render(box, form, rows) {
    box.textContent = "";
    if (!rows.length) { box.textContent = box.dataset.empty; return; }
    rows.forEach(function (r) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "suggestion";
      b.textContent = r.name + " · " + r.address + " · " + (r.grid_code || "—") + " (" + Math.round(r.score * 100) + "%)";
      b.addEventListener("click", function () {
        form.querySelector("[name=account]").value = r.account;
        form.querySelector("[name=address]").value = r.address;
        if (!form.querySelector("[name=caller_name]").value) form.querySelector("[name=caller_name]").value = r.name;
        box.textContent = ""; box.dataset.chosen = r.account;
      });
      box.appendChild(b);
    });
  }
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.dataset || !input.dataset.suggestTarget) return;
    var box = document.querySelector(input.dataset.suggestTarget);
    clearTimeout(timer);
    if (input.value.trim().length < 2) { box.textContent = ""; return; }
    timer = setTimeout(function () {
      fetch("/api/v1/customers/suggest?limit=6&address=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) { render(box, input.form, rows); });
    }, 250);
  });
})();

// The forced pop-up (强制弹窗): a modal only "Acknowledge" closes. Pop-ups pushed while the page
// is open queue up; those that arrived while it was closed are fetched on load. Until it is
// acknowledged, the server falls back to SMS, then to a voice call.
(function () {
  "use strict";
  var queue = [], seen = {}, busy = false;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  function el(id) { return document.getElementById(id); }

  function urlOf(p) {
    if (p.url) return p.url;
    if (p.source_kind === "order" && p.source_id) return "/orders/" + p.source_id;
    if (p.source && p.source.indexOf("order:") === 0) return "/orders/" + p.source.slice(6);
    return "";
  }

  function show() {
    var modal = el("popup-modal");
    if (!modal) return;
    if (!queue.length) { modal.hidden = true; document.body.classList.remove("popup-open"); return; }
    var p = queue[0];
    el("popup-title").textContent = p.subject || "";
    el("popup-body").textContent = p.body || ""; // never innerHTML: texts carry customers' words
    el("popup-time").textContent = p.created_at ? new Date(p.created_at).toLocaleString(document.documentElement.lang || undefined, { timeZone: "Asia/Shanghai", hour12: false }) : "";
    el("popup-more").textContent = queue.length > 1 ? modal.dataset.more.replace("%(n)s", String(queue.length - 1)) : "";
    el("popup-error").hidden = true;
    el("popup-open").hidden = !urlOf(p);
    modal.hidden = false;
    document.body.classList.add("popup-open");
    el("popup-ack").focus();
  }

  function add(p) {
    if (!p || !p.id || seen[p.id]) return;
    seen[p.id] = true;
    queue.push(p);
    show();
  }

  function drop(id) {
    queue = queue.filter(function (p) { return p.id !== id; });
    show();
  }

  function acknowledge(thenOpen) {
    var p = queue[0];
    if (!p || busy) return;
    busy = true;
    fetch("/api/v1/notifications/" + p.id + "/ack", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf ? csrf.content : "", "Accept": "application/json" }
    }).then(function (r) {
      busy = false;
      if (!r.ok) throw new Error(String(r.status));
      drop(p.id);
      var target = urlOf(p);
      if (thenOpen && target) window.location.assign(target);
    }).catch(function () {
      busy = false;
      var err = el("popup-error");
      err.textContent = el("popup-modal").dataset.failed;
      err.hidden = false;
    });
  }

  function start() {
    if (!document.body.dataset.user || !el("popup-modal")) return;
    el("popup-ack").addEventListener("click", function () { acknowledge(false); });
    el("popup-open").addEventListener("click", function () { acknowledge(true); });
    // Escape and clicks outside do nothing: this modal is acknowledged, not dismissed.
    el("popup-modal").addEventListener("keydown", function (e) {
      if (e.key === "Escape") e.preventDefault();
      if (e.key === "Tab") { e.preventDefault(); var open = el("popup-open"); (document.activeElement === el("popup-ack") && !open.hidden ? open : el("popup-ack")).focus(); }
    });
    document.addEventListener("gridcare:popup", function (e) { add(e.detail); });
    document.addEventListener("gridcare:popup-closed", function (e) { if (e.detail) drop(e.detail.id); });
    fetch("/api/v1/notifications?unacknowledged=true&limit=50", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) { rows.reverse().forEach(add); })
      .catch(function () {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// Signed out (or signing in as someone else on a shared phone): the patrol pages the phone
// kept for want of signal are the last user's, so they go. Records not yet sent stay, each
// with its user, and are sent only when that user signs in again (offline.js).
(function () {
  if (document.body.classList.contains("login-page") && window.caches) caches.delete("gridcare-field");
})();
