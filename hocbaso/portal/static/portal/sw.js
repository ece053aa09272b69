/* hocbaso's service worker: the app opens without network.
 *
 * Served at /sw.js by hocbaso.portal.app_views.service_worker, which puts its configuration on top
 * (self.HOCBASO: version, the files kept at install, the pages worth keeping, the offline page).
 * - static files (CSS, scripts, icons): from the cache first, kept at install and on first use;
 * - the pages a teacher opened (home, a class, a grid) and a grid's data: from the network first, the copy
 *   kept for when there is none; the grid itself writes its data here after each save (grid.js);
 * - any other page without network: the Vietnamese offline page.
 * Writes (POST) are never touched: the grid keeps unsent edits in IndexedDB and sends them itself, once.
 * Signing out empties the kept pages (a shared phone keeps nobody's pupils).
 * Small and hand-written on purpose: no build step, and the browser tests exercise every branch.
 */
/* global self, caches, fetch, Response, URL */
"use strict";
var CFG = self.HOCBASO;
var SHELL = "hocbaso-shell-" + CFG.version;
var PAGES = "hocbaso-pages";
var KEPT = CFG.kept.map(function (p) { return new RegExp(p); });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(CFG.precache);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("hocbaso-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  return KEPT.some(function (re) { return re.test(url.pathname); });
}

function fromCacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then(function (hit) {
    if (hit) return hit;
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function fromNetworkFirst(request, url, navigation) {
  return fetch(request).then(function (response) {
    // Keep a page only as the signed-in user saw it: not a redirect to the login page, not an error.
    if (response.ok && !response.redirected && response.type === "basic" && kept(url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(url.href, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(url.href, { ignoreVary: true });
    }).then(function (hit) {
      if (hit) return hit;
      if (navigation) return caches.match(CFG.offline, { ignoreVary: true });
      return new Response(JSON.stringify({ error: "offline" }), {
        status: 503, headers: { "Content-Type": "application/json" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === CFG.logout) event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (url.pathname.indexOf(CFG.static) === 0) { event.respondWith(fromCacheFirst(request)); return; }
  if (request.mode === "navigate") { event.respondWith(fromNetworkFirst(request, url, true)); return; }
  if (kept(url)) event.respondWith(fromNetworkFirst(request, url, false));
});
