// The workspace's live connection: one WebSocket per page, events re-dispatched on document.
// Every domain event carries the tenant's seq. A gap (an event we did not see) or a reconnect
// makes the page refetch what it shows ("hd:resync"), so nothing is ever missed.
(function () {
  "use strict";
  const body = document.body;
  const wsPath = body.dataset.ws;
  if (!wsPath) return;
  const me = Number(body.dataset.member);
  const stateEl = document.getElementById("live-state");
  let socket = null;
  let lastSeq = null;
  let retry = 0;
  let everConnected = false;
  let holdUntil = 0; // drop(ms): stay offline that long (tests and "go offline" debugging)
  const outbox = [];

  function setState(text, cls) {
    if (!stateEl) return;
    stateEl.textContent = text;
    stateEl.className = "live-state " + (cls || "");
    body.dataset.live = cls || "";
  }

  function resync(reason) {
    document.dispatchEvent(new CustomEvent("hd:resync", { detail: { reason: reason } }));
  }

  function handle(msg) {
    if (msg.event === "hello") {
      const reconnect = everConnected;
      everConnected = true;
      if (reconnect && (lastSeq === null || msg.seq !== lastSeq)) resync("reconnect");
      lastSeq = msg.seq;
      document.dispatchEvent(new CustomEvent("hd:connected", { detail: msg }));
      return;
    }
    if (typeof msg.seq === "number") {
      if (lastSeq !== null && msg.seq <= lastSeq) return; // a copy (tenant and user groups)
      const gap = lastSeq !== null && msg.seq !== lastSeq + 1;
      lastSeq = msg.seq;
      if (gap) resync("gap");
    }
    document.dispatchEvent(new CustomEvent("hd:event", { detail: msg }));
    notify(msg);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    setState(everConnected ? "reconnecting…" : "connecting…", "connecting");
    socket = new WebSocket(scheme + location.host + wsPath);
    socket.onopen = function () {
      retry = 0;
      setState("live", "live");
      while (outbox.length) socket.send(outbox.shift());
    };
    socket.onmessage = function (e) {
      try { handle(JSON.parse(e.data)); } catch (err) { console.error(err); }
    };
    socket.onclose = function (e) {
      setState("offline — reconnecting", "offline");
      document.dispatchEvent(new CustomEvent("hd:disconnected"));
      if (e.code === 4401 || e.code === 4404) { setState("signed out", "offline"); return; }
      const backoff = Math.min(10000, 300 * Math.pow(2, retry++)) + Math.random() * 300;
      const delay = Math.max(backoff, holdUntil - Date.now());
      setTimeout(connect, delay);
    };
  }

  function send(obj) {
    const data = JSON.stringify(obj);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(data);
    else if (outbox.length < 20) outbox.push(data);
  }

  // Toasts for what concerns me: assignments and @mentions.
  function toast(html, href) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement(href ? "a" : "div");
    el.className = "toast";
    if (href) el.href = href;
    el.textContent = html;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }
  function ticketHref(id) { return body.dataset.home + "tickets/" + id + "/"; }
  function notify(msg) {
    const d = msg.data || {};
    if (msg.event === "ticket.updated" && d.assignee === me && d.actor !== me &&
        (d.changed || []).indexOf("assignee") >= 0) {
      toast("#" + d.number + " " + d.subject + " was assigned to you", ticketHref(d.id));
    } else if (msg.event === "note.mention" && (d.members || []).indexOf(me) >= 0) {
      toast(d.by_name + " mentioned you on #" + d.ticket.number + ": " + d.excerpt,
            ticketHref(d.ticket.id));
    }
  }

  // Presence: what I choose, and away when the page has been hidden for five minutes.
  const presenceEl = document.getElementById("presence");
  let hiddenTimer = null;
  function presence(state) {
    const dot = document.getElementById("presence-dot");
    if (dot) dot.className = "dot " + state;
    send({ action: "presence", state: state });
  }
  if (presenceEl) {
    presenceEl.value = localStorage.getItem("hd.presence") || "online";
    presenceEl.addEventListener("change", function () {
      localStorage.setItem("hd.presence", presenceEl.value);
      presence(presenceEl.value);
    });
    document.addEventListener("hd:connected", function () { presence(presenceEl.value); });
    document.addEventListener("visibilitychange", function () {
      clearTimeout(hiddenTimer);
      if (document.hidden) hiddenTimer = setTimeout(function () { presence("away"); }, 300000);
      else presence(presenceEl.value);
    });
  }

  // Time left on SLA clocks ticks without a reload.
  function fmt(seconds) {
    const s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
      m = Math.floor(s % 3600 / 60);
    const text = d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m";
    return seconds < 0 ? "-" + text : text;
  }
  function tick() {
    document.querySelectorAll("time[data-sla]").forEach(function (el) {
      const left = (Date.parse(el.getAttribute("datetime")) - Date.now()) / 1000;
      el.textContent = fmt(left);
      if (left < 0) el.classList.add("breached");
    });
  }
  setInterval(tick, 30000);

  // htmx: show refusals (4xx) where the server points them; keep everything else as is.
  document.addEventListener("htmx:beforeSwap", function (e) {
    const status = e.detail.xhr.status;
    if (status === 403) {
      e.detail.shouldSwap = false;
      toast("This page is stale or your session expired: reload it. Your draft is kept.");
    } else if (status >= 400 && status < 500) {
      e.detail.shouldSwap = true; e.detail.isError = false;
    }
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server did not answer; nothing was lost, try again.");
  });
  document.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr.status >= 500) toast("Something went wrong on the server; try again.");
  });

  window.hdLive = { send: send, toast: toast, me: me, resync: resync,
    lastSeq: function () { return lastSeq; },
    drop: function (holdMs) {
      holdUntil = Date.now() + (holdMs || 0);
      if (socket) socket.close();
    } };
  connect();
})();
