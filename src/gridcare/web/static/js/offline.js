// Check-ins, findings, visits, data changes and work-order steps made without signal (离线巡视,
// 离线工单). A rep at a rural asset or in a basement switch room often has no signal: the
// record is kept on the phone (IndexedDB, photos included) with the time it was made and an
// id of its own, and sent when the signal returns; the server counts it from when it was
// made and takes a record sent twice once. With signal, the form is sent the same way and
// the page follows the server's answer, as a plain form would.
(function () {
  "use strict";
  var box = document.getElementById("offline-queue");
  if (!box || !window.indexedDB || !window.fetch) return;
  var USER = document.body.dataset.user || "";
  var say = box.dataset;
  var dirty = false, sending = false;

  // --- the phone's store ---------------------------------------------------------------
  function open() {
    return new Promise(function (done, fail) {
      var req = indexedDB.open("gridcare-field", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("records", { keyPath: "id" }); };
      req.onsuccess = function () { done(req.result); };
      req.onerror = function () { fail(req.error); };
    });
  }
  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (done, fail) {
        var t = db.transaction("records", mode), answer = work(t.objectStore("records"));
        t.oncomplete = function () { db.close(); done(answer && "result" in answer ? answer.result : undefined); };
        t.onerror = function () { db.close(); fail(t.error); };
      });
    });
  }
  function all() { return store("readonly", function (s) { return s.getAll(); }); }
  function keep(rec) { return store("readwrite", function (s) { s.put(rec); }); }
  function drop(id) { return store("readwrite", function (s) { s.delete(id); }); }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // randomUUID needs a secure context; this does not
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function hhmm(iso) { var d = new Date(iso); return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); }
  function fill(text, one, n) { return n === 1 ? one : text.replace("{n}", n); }

  // --- sending ---------------------------------------------------------------------------
  // "done" and "refused" are the server's answer; "offline" is no signal, "later" a server
  // that could not take it now; "signed_out" waits for the rep to sign in again, on this phone.
  function send(rec) {
    var body = new FormData();
    rec.fields.forEach(function (f) { body.append(f[0], f[1]); });
    // The session's token now: the one kept with the record dies with a session that expired.
    var token = document.querySelector("input[name=csrf_token]");
    if (token) body.set("csrf_token", token.value);
    body.set("submission", rec.id);
    if (rec.kept) {  // both by the phone's clock: the server corrects one by the other
      body.set("made_at", rec.made_at);
      body.set("phone_time", new Date().toISOString());
    }
    return fetch(rec.action, { method: "POST", body: body, credentials: "same-origin" }).then(function (resp) {
      var url = new URL(resp.url);
      if (url.pathname === "/login" || resp.status === 401 || resp.status === 403) return { kind: "signed_out" };
      if (resp.status === 429 || resp.status >= 500) return { kind: "later" };
      if (!resp.ok) return { kind: "refused", url: resp.url, reason: "HTTP " + resp.status };
      var error = url.searchParams.get("error");
      return error ? { kind: "refused", url: resp.url, reason: error } : { kind: "done", url: resp.url };
    }, function () { return { kind: "offline" }; });
  }

  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    var sent = 0, stuck = "";
    return all().then(function (recs) {
      // In the order they were made; one the server cannot take now waits, the rest go on.
      var mine = recs.filter(function (r) { return r.user === USER && r.state === "waiting"; }).sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
      return mine.reduce(function (chain, rec) {
        return chain.then(function () {
          if (stuck === "offline" || stuck === "signed_out") return null;
          return send(rec).then(function (result) {
            if (result.kind === "done") { sent += 1; return drop(rec.id); }
            if (result.kind === "refused") { rec.state = "refused"; rec.reason = result.reason; return keep(rec); }
            stuck = result.kind;
            return null;
          });
        });
      }, Promise.resolve());
    }).then(function () {
      sending = false;
      box.dataset.stuck = stuck;
      return show(sent);
    }, function () { sending = false; });
  }

  // --- what the rep sees -------------------------------------------------------------------
  function show(sent) {
    return all().catch(function () { return []; }).then(function (recs) {
      var list = box.querySelector("ul"), status = box.querySelector(".offline-status");
      list.textContent = "";
      var waiting = 0;
      document.querySelectorAll(".kept-line").forEach(function (el) { el.remove(); });
      recs.sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; }).forEach(function (rec) {
        var li = document.createElement("li");
        li.dataset.record = rec.id;
        li.dataset.state = rec.state;
        var what = document.createElement("span");
        what.textContent = hhmm(rec.made_at) + " " + rec.label;
        li.appendChild(what);
        if (rec.user !== USER) {
          li.appendChild(document.createTextNode(" · " + say.other));
        } else if (rec.state === "refused") {
          var why = document.createElement("span");
          why.className = "error-text";
          why.textContent = " · " + say.refused + rec.reason;
          li.appendChild(why);
          var bin = document.createElement("button");
          bin.type = "button"; bin.className = "link"; bin.textContent = say.discard;
          bin.addEventListener("click", function () { drop(rec.id).then(function () { show(0); }); });
          li.appendChild(bin);
        } else {
          waiting += 1;
          mark(rec);
        }
        list.appendChild(li);
      });
      var lines = [];
      if (!navigator.onLine) lines.push(say.offline);
      if (waiting) lines.push(fill(say.waiting, say.waitingOne, waiting) + (box.dataset.stuck === "signed_out" ? " · " + say.signin : ""));
      if (sent) lines.push(fill(say.sent, say.sentOne, sent));
      status.textContent = lines.join(" · ");
      box.querySelector(".send-now").hidden = !waiting || !navigator.onLine;
      box.hidden = !lines.length && !recs.length;
      box.dataset.pending = String(waiting);
      // Everything sent and nothing typed since the page came: show the server's page again.
      if (sent && !waiting && !dirty && navigator.onLine) location.reload();
    });
  }

  // The stop or order a record belongs to says so, and its form closes: it is done, as far as
  // the rep goes. An order's step shows the next one (data-then): the page is as of the last
  // signal, the rep is already further on.
  function mark(rec) {
    var form = document.querySelector(rec.key ? "form[data-key='" + rec.key + "']" : "form[action='" + rec.action + "']");
    if (!form) return;
    if (form.hasAttribute("data-then")) {
      form.hidden = true;
      var order = form.closest("article");
      if (order) order.classList.add("kept");  // its countdown is the server's, before this step
      var next = form.dataset.then && document.querySelector("form[data-key='" + form.dataset.then + "']");
      if (next) next.hidden = false;
    }
    var card = form.closest("article");
    var line = document.createElement("p");
    line.className = "kept-line";
    line.textContent = hhmm(rec.made_at) + " " + rec.label + " · " + say.kept;
    if (card) card.appendChild(line); else form.insertAdjacentElement("afterend", line);
    if (!card) return;
    if (rec.action.slice(-9) === "/check-in") {
      card.classList.add("kept");
      var details = form.closest("details");
      if (details) details.open = false;
    }
  }

  // The position when the button is pressed, not when the page came: the page is opened at
  // the start of a round, the stops are reached one by one.
  function position(form) {
    var lon = form.querySelector(".gps-lon"), lat = form.querySelector(".gps-lat");
    if (!lon || !navigator.geolocation) return Promise.resolve();
    return new Promise(function (done) {
      navigator.geolocation.getCurrentPosition(function (p) {
        lon.value = p.coords.longitude; lat.value = p.coords.latitude; done();
      }, function () { done(); }, { timeout: 8000, maximumAge: 30000, enableHighAccuracy: true });
    });
  }

  document.addEventListener("input", function (ev) { if (ev.target.closest("form[data-offline]")) dirty = true; });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("form[data-offline]")) return;
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    position(form).then(function () {
      var rec = { id: newId(), user: USER, action: form.getAttribute("action"), key: form.dataset.key || "", made_at: new Date().toISOString(), state: "waiting", fields: [] };
      var kind = form.querySelector("select[name=kind]");
      rec.label = form.dataset.offline + (kind ? " " + kind.options[kind.selectedIndex].text : "");
      new FormData(form).forEach(function (value, name) {
        if (value instanceof File && !value.name) return;  // an empty file input
        rec.fields.push([name, value]);
      });
      return send(rec).then(function (result) {
        if (result.kind === "done" || result.kind === "refused") { location.assign(result.url); return null; }
        rec.kept = true;
        return keep(rec).then(function () {
          form.reset();
          box.dataset.stuck = result.kind;
          return show(0);
        }, function () {
          // Private browsing, or the phone full: nothing kept, so the form stays as typed.
          box.hidden = false;
          box.querySelector(".offline-status").textContent = say.nostore;
        });
      });
    }).then(function () { if (button) button.disabled = false; }, function () { if (button) button.disabled = false; });
  });

  box.querySelector(".send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () { show(0); });
  setInterval(function () { if (navigator.onLine && box.dataset.pending !== "0") flush(); }, 20000);

  if (!navigator.onLine) document.querySelectorAll(".alert").forEach(function (el) { el.hidden = true; });  // a flash kept from the last visit
  show(0).then(function () { if (navigator.onLine && box.dataset.pending !== "0") flush(); });

  if ("serviceWorker" in navigator) {
    // Read before registering: the new worker takes the page over at once (clients.claim),
    // after the page and its files came from the network without it.
    var kept = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/field/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // The pages the rep may need out of signal (the visits due), and, the first time, this
      // page and its files.
      var keep = Array.prototype.map.call(document.querySelectorAll("a[data-keep]"), function (a) { return a.href; });
      if (!kept) {
        keep = keep.concat([location.pathname], Array.prototype.map.call(document.querySelectorAll("script[src], link[href]"), function (el) { return el.src || el.href; })
          .filter(function (n) { return n.indexOf(location.origin + "/static/") === 0; }));
      }
      if (keep.length && navigator.onLine) reg.active.postMessage({ keep: keep });
      box.dataset.ready = "1";
    }).catch(function () { box.dataset.ready = "0"; });
  }
})();
