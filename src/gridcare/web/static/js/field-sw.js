// The rep's phone keeps the patrol pages, the work-order page /m and what they need, so that
// a rep out of signal can still open today's stops and orders and record them (offline.js
// keeps the records). Network first: with signal the rep always sees the server's page; the
// copy is only for when there is none. Served as /field/sw.js with the whole site as its
// scope, it answers for those pages and the files they load, and lets every other request
// by; signing in again drops the copies (app.js on the login page).
"use strict";
var CACHE = "gridcare-field";
var FRESH_MS = 60 * 60 * 1000;
// Pages kept at most; a supervisor who opens hundreds of task pages keeps the latest.
var MAX_PAGES = 60;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function kept(path) {
  return (path.indexOf("/field/") === 0 && path !== "/field/sw.js") || path === "/m";
}

function isPage(request, url) {
  return request.mode === "navigate" && kept(url.pathname);
}

// A file is kept when a kept page loads it: a desk agent's pages go by as if there were no worker.
function forKeptPage(request, url) {
  if (url.pathname.indexOf("/static/") !== 0 || !request.referrer) return false;
  var from = new URL(request.referrer).pathname;
  return kept(from) || from.indexOf("/static/") === 0;  // a font or image its stylesheet names
}

// A page is kept under its path alone: "?msg=..." after a check-in is the same page.
function keyFor(request, url) {
  return isPage(request, url) ? url.origin + url.pathname : request.url;
}

function networkFirst(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      // A redirect to the sign-in page, or an error page, is not the page to keep.
      var html = (response.headers.get("content-type") || "").indexOf("text/html") === 0;
      if (response.ok && !response.redirected && response.type === "basic" && (html || key.indexOf("/static/") > 0)) {
        cache.put(key, response.clone()).then(function () { return html ? trim(cache) : null; });
      }
      return response;
    }, function (failure) {
      return cache.match(key).then(function (kept) { if (kept) return kept; throw failure; });
    });
  });
}

// A put moves its key to the end, so the first keys are the pages kept longest ago.
function trim(cache) {
  return cache.keys().then(function (keys) {
    var pages = keys.filter(function (r) { return new URL(r.url).pathname.indexOf("/static/") !== 0; });
    return Promise.all(pages.slice(0, Math.max(0, pages.length - MAX_PAGES)).map(function (r) { return cache.delete(r); }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isPage(request, url) || forKeptPage(request, url)) {
    event.respondWith(networkFirst(request, keyFor(request, url)));
  }
});

// The page that registered this worker loaded before it was in control: it names its own
// path and files, to be kept now rather than at the next visit.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (!data.keep || !data.keep.length) return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.keep.map(function (path) {
      var url = new URL(path, self.location.origin);
      if (url.origin !== self.location.origin) return null;
      var key = url.origin + url.pathname + (url.pathname.indexOf("/static/") === 0 ? url.search : "");
      return cache.match(key).then(function (kept) {
        // A copy from the last hour will do: a rural phone pays for every byte.
        if (kept && Date.now() - Date.parse(kept.headers.get("date") || 0) < FRESH_MS) return null;
        return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
          return response.ok && !response.redirected ? cache.put(key, response) : null;
        }, function () { return null; });
      });
    }));
  }));
});
