/* Helpdesk chat widget. One dependency-free script:
 *   <script src="{PUBLIC_BASE_URL}/static/widget/widget.js" data-channel="ID" async></script>
 * Optional identity (verified with the channel's identity_secret, HMAC computed server-side):
 *   data-user-id="42" data-user-hash="<hex HMAC-SHA256(secret, "42")>" data-name="" data-email=""
 * Everything is drawn in a shadow root; every text goes in with textContent. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[data-channel][src*='widget/widget.js']");
  if (!script || window.__hdWidget) return;
  window.__hdWidget = true;
  var channel = script.getAttribute("data-channel");
  var base = new URL(script.src, location.href).origin;
  var api = base + "/widget/" + channel + "/";
  var key = "hdw." + channel + "." + base;
  var opts = window.HelpdeskWidget || {};
  function attr(name, fallback) { return script.getAttribute("data-" + name) || fallback || ""; }
  var identity = {
    user_id: attr("user-id", opts.user_id), user_hash: attr("user-hash", opts.user_hash),
    name: attr("name", opts.name), email: attr("email", opts.email)
  };

  var state = load() || {};
  var config = null, messages = [], byKey = {}, ws = null, wsDelay = 500, open = false;
  var ticket = null, unread = 0, typingTimer = null, lastTyping = 0, suggestTimer = null;
  var lastSeenAt = 0;

  function load() { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function save() { try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* private mode */ } }
  function uid() {
    var a = new Uint8Array(12); (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- network -------------------------------------------------------------------------
  function request(method, path, body, isForm) {
    var headers = {};
    if (state.token) headers["X-Widget-Token"] = state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(api + path, {
      method: method, headers: headers, mode: "cors",
      credentials: base === location.origin ? "same-origin" : "omit",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined
    }).then(function (r) {
      if (r.status === 204) return { ok: true, status: 204, data: {} };
      return r.json().catch(function () { return {}; }).then(function (d) {
        return { ok: r.ok, status: r.status, data: d };
      });
    });
  }
  function problem(res) {
    return (res.data && res.data.error && res.data.error.message) || "Something went wrong. Please try again.";
  }

  // ---- drawing -------------------------------------------------------------------------
  var host = document.createElement("div");
  host.setAttribute("data-helpdesk-widget", channel);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = document.createElement("style");
  css.textContent = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    "[hidden]{display:none!important}svg{width:26px;height:26px;fill:currentColor;vertical-align:middle}",
    ".attach svg{width:18px;height:18px}",
    ".launch{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:var(--b);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646;font-size:26px;line-height:56px}",
    ".badge{position:absolute;top:-4px;right:-4px;background:#d93025;color:#fff;border-radius:10px;font-size:12px;padding:1px 6px;line-height:16px}",
    ".panel{position:fixed;right:20px;bottom:88px;width:360px;height:min(560px,calc(100vh - 110px));background:#fff;",
    "color:#1d2330;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;",
    "overflow:hidden;z-index:2147483647;font-size:14px}",
    ".panel[hidden]{display:none}",
    "header{background:var(--b);color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "header b{flex:1;font-size:15px}header small{display:block;font-weight:400;opacity:.9;font-size:12px}",
    "header button{background:none;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}",
    ".m{max-width:82%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;overflow-wrap:anywhere}",
    ".m.in{align-self:flex-end;background:var(--b);color:#fff;border-bottom-right-radius:3px}",
    ".m.out{align-self:flex-start;background:#fff;border:1px solid #e1e4ea;border-bottom-left-radius:3px}",
    ".m .who{display:block;font-size:11px;opacity:.75;margin-bottom:2px}",
    ".m .files{display:block;font-size:12px;margin-top:4px;opacity:.9}",
    "button.attach{color:#4b5563}",
    ".m.failed{opacity:.6;border:1px dashed #d93025}",
    ".meta{align-self:flex-end;font-size:11px;color:#6b7280;margin-top:-4px}",
    ".note{align-self:center;font-size:12px;color:#4b5563;text-align:center;padding:2px 8px}",
    ".typing{font-size:12px;color:#6b7280;padding:0 14px;min-height:18px;background:#f6f7f9}",
    ".sugg{border-top:1px solid #e1e4ea;padding:6px 12px;font-size:13px;background:#fff}",
    ".sugg a{display:block;color:var(--b);padding:3px 0;text-decoration:none}.sugg a:hover{text-decoration:underline}",
    ".sugg p{margin:0 0 2px;color:#6b7280;font-size:12px}",
    "form.pre{padding:14px;display:flex;flex-direction:column;gap:8px;border-top:1px solid #e1e4ea}",
    "label{font-size:12px;color:#4b5563;display:flex;flex-direction:column;gap:3px}",
    "input,textarea{font-size:14px;padding:8px;border:1px solid #cfd4dc;border-radius:8px;width:100%;color:#1d2330;background:#fff}",
    ".compose{display:flex;gap:6px;padding:10px;border-top:1px solid #e1e4ea;align-items:flex-end;background:#fff}",
    ".compose textarea{resize:none;height:40px;max-height:120px}",
    "button.send,form.pre button,.csat button{background:var(--b);color:#fff;border:0;border-radius:8px;padding:9px 12px;cursor:pointer;font-size:14px}",
    "button.attach{background:#eef0f4;border:0;border-radius:8px;padding:9px 10px;cursor:pointer;font-size:15px}",
    ".err{color:#b3261e;font-size:12px;padding:0 12px;min-height:0}",
    ".csat{align-self:stretch;background:#fff;border:1px solid #e1e4ea;border-radius:10px;padding:10px;text-align:center}",
    ".csat div{display:flex;justify-content:center;gap:6px;margin-top:6px}",
    ".csat button{padding:6px 10px}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}",
    ".launch{right:14px;bottom:14px}}"
  ].join("");
  root.appendChild(css);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function icon(path, stroke) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    var p = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true");
    p.setAttribute("d", path); svg.appendChild(p);
    if (stroke) { svg.setAttribute("fill", "none"); svg.style.fill = "none"; p.setAttribute("stroke", "currentColor"); p.setAttribute("stroke-width", "2"); p.setAttribute("stroke-linecap", "round"); }
    return svg;
  }
  var launcher = el("button", "launch");
  launcher.appendChild(icon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"));
  launcher.type = "button";
  launcher.setAttribute("data-testid", "widget-launcher");
  launcher.setAttribute("aria-label", "Chat with us");
  var badge = el("span", "badge"); badge.hidden = true; launcher.appendChild(badge);
  var panel = el("section", "panel"); panel.hidden = true;
  panel.setAttribute("role", "dialog"); panel.setAttribute("aria-label", "Chat");
  var head = el("header"), title = el("b"), titleText = document.createTextNode("Chat");
  var sub = el("small", "", "");
  title.appendChild(titleText); title.appendChild(sub);
  var close = el("button", "", "×"); close.type = "button"; close.setAttribute("aria-label", "Close chat");
  head.appendChild(title); head.appendChild(close);
  var log = el("div", "log"); log.setAttribute("role", "log"); log.setAttribute("aria-live", "polite");
  log.setAttribute("data-testid", "widget-log");
  var typingLine = el("div", "typing"); typingLine.setAttribute("data-testid", "widget-typing");
  var sugg = el("div", "sugg"); sugg.hidden = true; sugg.setAttribute("data-testid", "widget-suggestions");
  var pre = el("form", "pre"); pre.hidden = true;
  var compose = el("form", "compose");
  var input = el("textarea"); input.setAttribute("data-testid", "widget-input");
  input.setAttribute("aria-label", "Message"); input.placeholder = "Write a message…"; input.maxLength = 5000;
  var file = el("input"); file.type = "file"; file.hidden = true;
  var attach = el("button", "attach");
  attach.appendChild(icon("M15 7l-6.5 6.5a2 2 0 0 0 2.8 2.8L18 9.6a4 4 0 0 0-5.7-5.7L5.6 10.6a6 6 0 0 0 8.5 8.5L20 13.2", true));
  attach.setAttribute("data-testid", "widget-attach");
  var send = el("button", "send", "Send"); send.type = "submit"; send.setAttribute("data-testid", "widget-send");
  compose.appendChild(attach); compose.appendChild(file); compose.appendChild(input); compose.appendChild(send);
  var err = el("div", "err"); err.setAttribute("role", "alert"); err.setAttribute("data-testid", "widget-error");
  [head, log, typingLine, sugg, pre, err, compose].forEach(function (c) { panel.appendChild(c); });
  root.appendChild(panel); root.appendChild(launcher);

  function showError(text) { err.textContent = text || ""; }
  function paintBrand() {
    host.style.setProperty("--b", (config && /^#[0-9a-fA-F]{6}$/.test(config.brand_color)) ? config.brand_color : "#2f6fed");
    panel.style.setProperty("--b", host.style.getPropertyValue("--b"));
    launcher.style.setProperty("--b", host.style.getPropertyValue("--b"));
    if (!config) return;
    titleText.nodeValue = config.title;
    sub.textContent = config.online ? "We're online" : "We'll reply by email";
  }

  function fileLine(m) {
    return (m.attachments || []).map(function (a) { return "File: " + a.filename; }).join("  ");
  }
  function draw(m) {
    var k = m.id ? "id" + m.id : "c" + m.client_id;
    var node = byKey[k] || (m.client_id && byKey["c" + m.client_id]);
    var fresh = !node;
    if (fresh) {
      node = el("div");
      node.setAttribute("data-testid", "widget-message");
      log.appendChild(node);
    }
    node.className = "m " + (m.direction === "inbound" ? "in" : "out") + (m.failed ? " failed" : "");
    node.setAttribute("data-direction", m.direction);
    node.textContent = "";
    if (m.direction !== "inbound") node.appendChild(el("span", "who", m.author || "Support"));
    node.appendChild(document.createTextNode(m.text));
    if (m.attachments && m.attachments.length) node.appendChild(el("span", "files", fileLine(m)));
    if (m.id) byKey["id" + m.id] = node;
    if (m.client_id) byKey["c" + m.client_id] = node;
    return fresh;
  }
  var metaLine = el("div", "meta"); metaLine.setAttribute("data-testid", "widget-receipt");
  function drawMeta() {
    var mine = messages.filter(function (m) { return m.direction === "inbound"; });
    var last = mine[mine.length - 1];
    if (!last) { metaLine.textContent = ""; return; }
    metaLine.textContent = last.failed ? "Not sent" : !last.id ? "Sending…" :
      (lastSeenAt && Date.parse(last.created_at) <= lastSeenAt ? "Seen" : "Sent");
    var node = byKey[last.id ? "id" + last.id : "c" + last.client_id];
    if (node && node.nextSibling !== metaLine) log.insertBefore(metaLine, node.nextSibling);
  }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function note(text) { var n = el("div", "note", text); log.appendChild(n); scroll(); return n; }

  function upsert(m) {
    var existing = null;
    for (var i = 0; i < messages.length; i++) {
      if ((m.id && messages[i].id === m.id) || (m.client_id && messages[i].client_id === m.client_id)) existing = i;
    }
    if (existing === null) messages.push(m); else messages[existing] = Object.assign(messages[existing], m);
    var fresh = draw(existing === null ? m : messages[existing]);
    drawMeta(); scroll();
    if (fresh && m.direction === "outbound") {
      if (!open || document.hidden) { unread += 1; drawBadge(); } else markRead();
    }
  }
  function drawBadge() { badge.hidden = !unread; badge.textContent = String(unread); }

  // ---- pre-chat form and async mode ----------------------------------------------------
  function needsForm() {
    if (!config || messages.length) return false;
    var fields = config.pre_chat_fields || [];
    if (!config.online && !state.email) return true; // async: we need an address to reply to
    return fields.some(function (f) { return !state[f]; }) && !state.skippedForm;
  }
  function drawForm() {
    pre.textContent = "";
    if (!needsForm()) { pre.hidden = true; compose.hidden = false; return; }
    pre.hidden = false; compose.hidden = true;
    pre.appendChild(el("p", "note", config.online ? "Tell us who you are and we'll be right with you." : config.offline_note));
    var fields = (config.pre_chat_fields || []).slice();
    if (!config.online && fields.indexOf("email") < 0) fields.push("email");
    var inputs = {};
    fields.forEach(function (f) {
      var l = el("label", "", f === "email" ? "Email" : "Name");
      var i = el("input"); i.name = f; i.type = f === "email" ? "email" : "text";
      i.required = f === "email" && !config.online; i.value = state[f] || identity[f] || "";
      i.setAttribute("data-testid", "widget-prechat-" + f);
      l.appendChild(i); pre.appendChild(l); inputs[f] = i;
    });
    var go = el("button", "", "Start chat"); go.type = "submit"; go.setAttribute("data-testid", "widget-prechat-start");
    pre.appendChild(go);
    pre.onsubmit = function (e) {
      e.preventDefault();
      var body = { token: state.token };
      Object.keys(inputs).forEach(function (f) { body[f] = inputs[f].value.trim(); });
      startSession(body).then(function (ok) {
        if (ok) { state.skippedForm = true; save(); drawForm(); input.focus(); }
      });
    };
  }

  // ---- session, history, resync --------------------------------------------------------
  function startSession(extra) {
    var body = Object.assign({ token: state.token }, extra || {});
    if (identity.user_id) { body.user_id = identity.user_id; body.user_hash = identity.user_hash; }
    if (!body.name && identity.name && !state.name) body.name = identity.name;
    if (!body.email && identity.email && !state.email) body.email = identity.email;
    return request("POST", "session/", body).then(function (res) {
      if (!res.ok) { showError(problem(res)); return false; }
      var d = res.data;
      if (ws && d.token !== state.token) { ws.onclose = null; ws.close(); ws = null; } // new name or email
      state.token = d.token; state.name = d.name; state.email = d.email; save();
      config = d.config; paintBrand(); showError("");
      ticket = d.ticket;
      (d.history || []).forEach(upsert);
      if (!messages.length && !log.querySelector(".note")) note(config.greeting);
      maybeCsat();
      connect();
      return true;
    }, function () { showError("You seem to be offline. We'll keep trying."); return false; });
  }
  function resync() {
    if (!state.token) return;
    var after = 0;
    messages.forEach(function (m) { if (m.id && m.id > after && m.direction === "outbound") after = m.id; });
    request("GET", "history/?token=" + encodeURIComponent(state.token)).then(function (res) {
      if (!res.ok) return;
      res.data.history.forEach(upsert);
      ticket = res.data.ticket; maybeCsat();
    });
  }

  // ---- live socket ---------------------------------------------------------------------
  function connect() {
    if (ws && ws.readyState <= 1) return;
    ws = new WebSocket(base.replace(/^http/, "ws") + "/ws/widget/" + channel + "/?token=" + encodeURIComponent(state.token));
    ws.onopen = function () { wsDelay = 500; };
    ws.onmessage = function (e) {
      var msg; try { msg = JSON.parse(e.data); } catch (x) { return; }
      var d = msg.data || {};
      if (msg.event === "hello") resync();
      else if (msg.event === "message") { typingLine.textContent = ""; upsert(d); }
      else if (msg.event === "typing") {
        typingLine.textContent = (d.name || "Support") + " is typing…";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 5000);
      } else if (msg.event === "seen") { lastSeenAt = Date.now(); drawMeta(); }
      else if (msg.event === "ticket") {
        ticket = { id: d.id, status: d.status }; maybeCsat();
      }
    };
    ws.onclose = function (e) {
      if (e.code === 4403 || e.code === 4401) return; // not allowed here: do not hammer
      setTimeout(connect, wsDelay); wsDelay = Math.min(wsDelay * 2, 10000);
    };
  }
  function wsSend(obj) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; } return false; }
  function markRead() {
    var up = 0;
    messages.forEach(function (m) { if (m.direction === "outbound" && m.id > up) up = m.id; });
    if (up && up > (state.readUpTo || 0)) {
      state.readUpTo = up; save();
      if (!wsSend({ action: "read", up_to: up })) request("POST", "read/", { up_to: up });
    }
    unread = 0; drawBadge();
  }

  // ---- sending -------------------------------------------------------------------------
  function post(m, attempt) {
    request("POST", "messages/", { client_id: m.client_id, text: m.text, page_url: location.href })
      .then(function (res) {
        if (res.ok && res.data.message) {
          upsert(Object.assign(res.data.message, { failed: false }));
          ticket = res.data.ticket;
        } else if (res.status === 202) {
          setTimeout(resync, 2000);
        } else {
          m.failed = true; upsert(m); showError(problem(res));
        }
      }, function () {
        if (attempt < 5) setTimeout(function () { post(m, attempt + 1); }, 1000 * Math.pow(2, attempt));
        else { m.failed = true; upsert(m); showError("Not sent: check your connection."); }
      });
  }
  compose.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (!state.token) { startSession().then(function (ok) { if (ok) compose.onsubmit(e); }); return; }
    input.value = ""; sugg.hidden = true; showError(""); lastTyping = 0;
    var m = { client_id: uid(), direction: "inbound", text: text, created_at: new Date().toISOString() };
    upsert(m); post(m, 0);
  };
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); compose.requestSubmit ? compose.requestSubmit() : compose.onsubmit(e); }
  });
  input.addEventListener("input", function () {
    if (Date.now() - lastTyping > 2000 && input.value) {
      lastTyping = Date.now();
      if (!wsSend({ action: "typing" }) && state.token) request("POST", "typing/", {});
    }
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 700); // a pause, not every keystroke: one logged search
  });
  attach.onclick = function () { file.click(); };
  file.onchange = function () {
    var f = file.files && file.files[0];
    file.value = "";
    if (!f) return;
    if (config && f.size > config.max_file_bytes) { showError("Files are at most 10 MB."); return; }
    var form = new FormData();
    var m = { client_id: uid(), direction: "inbound", text: "Sent a file: " + f.name, created_at: new Date().toISOString() };
    form.append("client_id", m.client_id); form.append("file", f);
    upsert(m);
    request("POST", "uploads/", form, true).then(function (res) {
      if (res.ok && res.data.message) upsert(res.data.message);
      else { m.failed = true; upsert(m); showError(problem(res)); }
    }, function () { m.failed = true; upsert(m); showError("Not sent: check your connection."); });
  };

  // ---- article suggestions (deflection) ------------------------------------------------
  function suggest() {
    var q = input.value.trim();
    if (q.length < 4 || !state.token) { sugg.hidden = true; return; }
    request("GET", "suggestions/?q=" + encodeURIComponent(q.slice(0, 200)) + "&token=" + encodeURIComponent(state.token))
      .then(function (res) {
        sugg.textContent = "";
        var hits = (res.ok && res.data.results) || [];
        if (!hits.length) { sugg.hidden = true; return; }
        sugg.appendChild(el("p", "", "These articles might help:"));
        hits.slice(0, 3).forEach(function (a) {
          if (!/^https?:\/\//.test(a.url)) return;
          var link = el("a", "", a.title); link.href = a.url; link.target = "_blank"; link.rel = "noopener";
          sugg.appendChild(link);
        });
        sugg.hidden = false;
      }, function () { sugg.hidden = true; });
  }

  // ---- CSAT after resolution -----------------------------------------------------------
  var csatCard = null;
  function maybeCsat() {
    if (!ticket || ticket.status !== "solved" || (state.rated || {})[ticket.id] || csatCard) return;
    csatCard = el("div", "csat"); csatCard.setAttribute("data-testid", "widget-csat");
    csatCard.appendChild(el("span", "", "Your conversation is resolved. How did we do? (1 = poor, 5 = great)"));
    var row = el("div"), id = ticket.id;
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = el("button", "", String(n)); b.type = "button";
      b.setAttribute("aria-label", n + " out of 5");
      b.onclick = function () {
        request("POST", "csat/", { score: n }).then(function (res) {
          state.rated = state.rated || {}; state.rated[id] = n; save();
          csatCard.textContent = res.ok ? "Thank you for your rating!" : problem(res);
        });
      };
      row.appendChild(b);
    });
    csatCard.appendChild(row); log.appendChild(csatCard); scroll();
  }

  // ---- opening and closing -------------------------------------------------------------
  function toggle(show) {
    open = show; panel.hidden = !show;
    launcher.setAttribute("aria-expanded", String(show));
    if (!show) return;
    var ready = state.token && config ? Promise.resolve(true) : startSession();
    ready.then(function () { drawForm(); markRead(); if (!pre.hidden) return; input.focus(); });
  }
  launcher.onclick = function () { toggle(panel.hidden); };
  close.onclick = function () { toggle(false); };
  document.addEventListener("visibilitychange", function () { if (!document.hidden && open) markRead(); });

  function mount() {
    document.body.appendChild(host);
    paintBrand();
    if (state.token) startSession(); // a returning visitor: history and live replies at once
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
