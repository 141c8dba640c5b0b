// The console's one script. Every page works without it: it only adds live updates,
// countdowns from the server's clock, confirmations, one-submit forms, select-all and
// keeping the scroll position across a form's round trip.
(function () {
  "use strict";

  var body = document.body;
  // The server's clock minus the browser's: countdowns never trust the browser's clock.
  var offset = 0;
  function syncClock(serverNow) {
    var now = Number(serverNow);
    if (now > 0) offset = now - Date.now();
  }
  syncClock(body.getAttribute("data-server-now"));
  function serverNow() { return Date.now() + offset; }

  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // MARK: Countdowns

  function remaining(ms) {
    var s = Math.floor(ms / 1000);
    if (s <= 0) return null;
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  var refreshSoon = false;
  function tick() {
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var target = Date.parse(node.getAttribute("data-countdown"));
      if (isNaN(target)) continue;
      var text = remaining(target - serverNow());
      if (text) {
        node.textContent = text;
      } else if (node.getAttribute("data-ended") !== "yes") {
        node.setAttribute("data-ended", "yes");
        node.textContent = node.getAttribute("data-ended-text") || "now";
        refreshSoon = true;
      }
    }
    if (refreshSoon) {
      refreshSoon = false;
      window.setTimeout(refresh, 1500);
    }
  }
  if (document.querySelector("[data-countdown]")) {
    tick();
    window.setInterval(tick, 1000);
  }

  // MARK: Live regions
  // Each region marked data-live is replaced by the server's fresh copy when the event stream
  // says something changed (unless the person is using it). The operations page also polls:
  // workers' health is not an order event.

  function busy(region) {
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden") continue;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) return true;
      } else if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j++) {
          if (field.options[j].selected !== field.options[j].defaultSelected) return true;
        }
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  var refreshing = false;
  function refresh() {
    if (refreshing || document.hidden) return;
    var regions = document.querySelectorAll("[data-live]");
    if (!regions.length) return;
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Console-Refresh": "1" }, cache: "no-store" })
      .then(function (response) {
        if (response.redirected || response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html");
        syncClock(next.body.getAttribute("data-server-now"));
        var said = [];
        for (var i = 0; i < regions.length; i++) {
          var region = regions[i];
          var fresh = next.querySelector('[data-live="' + region.getAttribute("data-live") + '"]');
          if (!fresh || fresh.innerHTML === region.innerHTML || busy(region)) continue;
          var before = region.getAttribute("data-announce");
          var after = fresh.getAttribute("data-announce");
          region.innerHTML = fresh.innerHTML;
          if (after !== null) region.setAttribute("data-announce", after);
          region.classList.remove("flash");
          void region.offsetWidth;
          region.classList.add("flash");
          if (after && after !== before) said.push(after);
        }
        if (said.length) announce(said.join(". "));
        wire(document);
        tick();
      })
      .catch(function () { /* the next event or visit tries again */ })
      .then(function () { refreshing = false; });
  }
  var pending = null;
  function refreshAfterEvent() {
    if (pending) return;
    pending = window.setTimeout(function () { pending = null; refresh(); }, 100);
  }
  function listen() {
    var match = /^\/orders\/([0-9a-f-]{36})$/.exec(window.location.pathname);
    var source = new EventSource("/events/stream" + (match ? "?order_id=" + match[1] : ""));
    var types = ["order.created", "order.updated", "order.status_changed", "order.cancelled", "order.payment_updated"];
    for (var i = 0; i < types.length; i++) source.addEventListener(types[i], refreshAfterEvent);
    // Refused for good (too many streams open in other tabs, say): this page polls instead.
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED && !polling) startPolling();
    });
    source.addEventListener("stream.end", function (event) {
      var end = {};
      try { end = JSON.parse(event.data); } catch (e) { /* a malformed end still ends */ }
      // A revoked session: the page itself will show the sign-in form.
      if (end.resume === false) { source.close(); window.location.reload(); }
    });
  }
  var polling = false;
  function startPolling() {
    polling = true;
    window.setInterval(refresh, Number(body.getAttribute("data-poll-ms")) || 4000);
  }
  if (document.querySelector("[data-live]")) {
    if (window.EventSource) listen();
    if (!window.EventSource || document.querySelector('[data-live="operations"]')) startPolling();
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  // MARK: Forms

  function wire(root) {
    var forms = root.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (form.getAttribute("data-wired")) continue;
      form.setAttribute("data-wired", "yes");
      form.addEventListener("submit", onSubmit);
    }
    var all = root.querySelectorAll("[data-select-all]");
    for (var k = 0; k < all.length; k++) {
      var holder = all[k].closest("label") || all[k];
      holder.hidden = false;
      all[k].addEventListener("change", onSelectAll);
    }
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    if (form.method.toLowerCase() === "post") {
      try { sessionStorage.setItem("scroll:" + location.pathname, String(window.scrollY)); } catch (e) { /* private mode */ }
      // One submit per form: the server would refuse or replay a second one anyway.
      window.setTimeout(function () {
        var buttons = form.querySelectorAll("button");
        for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
      }, 0);
    }
  }

  function onSelectAll(event) {
    var box = event.currentTarget;
    var form = box.form || document;
    var items = form.querySelectorAll('input[type="checkbox"][name="' + box.getAttribute("data-select-all") + '"]');
    for (var i = 0; i < items.length; i++) items[i].checked = box.checked;
  }

  // Filters that are a single select send themselves when changed.
  var autos = document.querySelectorAll("select[data-autosubmit]");
  for (var a = 0; a < autos.length; a++) {
    autos[a].addEventListener("change", function (event) { event.currentTarget.form.requestSubmit(); });
  }

  wire(document);

  try {
    var key = "scroll:" + location.pathname;
    var saved = sessionStorage.getItem(key);
    if (saved !== null) {
      sessionStorage.removeItem(key);
      if (document.querySelector(".notice, .field .error")) window.scrollTo(0, Number(saved));
    }
  } catch (e) { /* private mode */ }
})();
