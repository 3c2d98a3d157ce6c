// attune: progressive enhancement only. Every page works without this file.
// - Follows the routine live: polls GET /api/v1/routine (and /api/v1/utterances on the
//   routine page) and updates the step, clock and what attune said.
// - Shows the voice loop's listening state (GET /api/v1/listening) in the live partial.
// - Sends routine forms with fetch to POST /api/v1/events (X-CSRF-Token header).
(function () {
  "use strict";
  var POLL_MS = 1500;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var live = document.querySelector("[data-live-routine]");
  if (live && !live.dataset.state) live = null;  // this build has no routines API
  var log = document.querySelector("[data-utterances]");

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "";
    seconds = Math.max(0, Math.floor(seconds));
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }

  function stateOf(view) {
    return JSON.stringify([!!view.active, view.active ? view.session_id : null,
                           view.active ? view.step : null, view.active ? !!view.paused : null]);
  }

  function typing() {
    var el = document.activeElement;
    return el && el.tagName === "INPUT" && el.type === "text" && el.value !== "";
  }

  function setField(name, text) {
    var el = live && live.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = text;
  }

  function appendUtterances(list) {
    if (!log || !list || !list.length) return;
    var empty = document.querySelector("[data-empty]");
    if (empty) empty.remove();
    list.forEach(function (u) {
      if (u.seq <= Number(log.dataset.lastSeq || 0)) return;
      var li = document.createElement("li");
      li.className = "u-" + u.kind;
      var c = document.createElement("span");
      c.className = "clock";
      c.textContent = clock(u.clock_s);
      li.appendChild(c);
      li.appendChild(document.createTextNode(" " + u.text));
      log.appendChild(li);
      log.dataset.lastSeq = String(u.seq);
    });
    while (log.children.length > 40) log.removeChild(log.firstChild);
  }

  function getJSON(url) {
    return fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function render(view) {
    if (!live || !view) return;
    if (stateOf(view) !== JSON.stringify(JSON.parse(live.dataset.state))) {
      if (!typing()) window.location.reload();
      return;
    }
    if (!view.active) return;
    // The step's title is server-rendered: a new step reloads the page (stateOf above).
    setField("partner", view.partner || "");
    setField("clock", clock(view.clock_s));
    setField("segment", view.segment || "");
    setField("remaining", clock(view.segment_remaining_s));
    if (view.prompt) setField("prompt", view.prompt);
  }

  function showListening(state) {
    // The voice loop's listening state (idle, addressed, talking, open, off), worded as the server does.
    var el = live && live.querySelector("[data-listening]");
    if (!el || !state) return;
    var labels = JSON.parse(el.dataset.labels || "{}");
    var phrase = (state.wake_phrases && state.wake_phrases[0]) || "attune";
    el.dataset.listening = state.state;
    el.textContent = (labels[state.state] || labels.off || state.state).replace("{phrase}", phrase);
  }

  function poll() {
    if (document.hidden) return;
    getJSON("/api/v1/routine").then(render).catch(function () {});
    getJSON("/api/v1/listening").then(showListening).catch(function () {});
    if (log) {
      getJSON("/api/v1/utterances?after=" + encodeURIComponent(log.dataset.lastSeq || "0"))
        .then(function (data) {
          if (!data) return;
          var session = live && JSON.parse(live.dataset.state)[1];
          appendUtterances((data.utterances || []).filter(function (u) {
            return session === null || u.session_id === session;
          }));
        }).catch(function () {});
    }
  }

  function status(message) {
    var box = document.querySelector("[data-js-status]");
    if (!box) {
      box = document.createElement("p");
      box.setAttribute("data-js-status", "");
      box.setAttribute("role", "status");
      box.className = "flash";
      document.getElementById("main").prepend(box);
    }
    box.textContent = message;
  }

  var STEPLESS = ["Pause", "Resume", "Repeat", "TimeLeft", "Help", "Stop"];

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      var data = new FormData(form);
      var button = event.submitter;
      var intent = button && button.name === "intent" ? button.value : (data.get("intent") || "");
      var text = (data.get("text") || "").trim();
      if (!intent && !text) return;  // let the server explain
      event.preventDefault();
      var body = {intent: intent || null, slots: {}, text: intent ? null : text,
                  partner: data.get("partner") || null, source: "web"};
      if (intent === "RepairPhrase" && data.get("category")) body.slots.category = data.get("category");
      // Name the step answered (not for controls that mean the same at any step): if the voice
      // loop moved the routine on meanwhile, the server answers 409 instead of misfiling it.
      if (data.get("step") && STEPLESS.indexOf(intent) < 0) body.step = data.get("step");
      fetch("/api/v1/events", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf,
                  "Idempotency-Key": "web-" + Date.now() + "-" + Math.random().toString(36).slice(2)},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (payload) { return {ok: r.ok, payload: payload}; });
      }).then(function (res) {
        if (!res.ok) { status((res.payload.error || {}).message || "That did not work."); return; }
        var said = (res.payload.utterances || []).map(function (u) { return u.text; }).join(" ");
        if (said) status("attune said: " + said);
        var input = form.querySelector('input[name="text"]');
        if (input) input.value = "";
        appendUtterances(res.payload.utterances);
        render(res.payload.routine);
      }).catch(function () {
        // The API could not be reached as JSON: fall back to the plain form post.
        if (button && button.name === "intent") {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = "intent"; hidden.value = button.value;
          form.appendChild(hidden);
        }
        form.submit();
      });
    });
  }

  document.querySelectorAll("form[data-enhance]").forEach(enhance);
  if (live) {
    poll();
    window.setInterval(poll, POLL_MS);
  }
})();
