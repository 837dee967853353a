// One conversation: drafts that survive anything, the reply box's channel hints, macros,
// who else is here (viewing/typing), and live refresh of the timeline.
(function () {
  "use strict";
  const conv = document.getElementById("conversation");
  if (!conv) return;
  const body = document.body;
  const ticket = Number(conv.dataset.ticket);
  const me = Number(body.dataset.member);
  const form = document.getElementById("reply");
  const box = document.getElementById("reply-body");
  const channelSel = document.getElementById("reply-channel");
  const via = document.getElementById("reply-via");
  const limits = document.getElementById("reply-limits");
  const draftState = document.getElementById("draft-state");
  const timeline = document.getElementById("timeline");
  const draftKey = "hd.draft." + body.dataset.tenant + "." + ticket;
  const csrf = document.querySelector("meta[name=csrf-token]").content;

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "X-Tenant": body.dataset.tenant, "X-CSRFToken": csrf,
      "Content-Type": "application/json" }, options.headers || {});
    options.credentials = "same-origin";
    return fetch("/api/v1/" + path, options);
  }
  function internal() { return form.querySelector("input[name=internal]:checked").value === "1"; }
  function setInternal(on) {
    const r = form.querySelector("input[name=internal][value='" + (on ? "1" : "0") + "']");
    if (!r.disabled) r.checked = true;
    hints();
  }

  // Drafts: saved on every keystroke, restored on load, dropped only once the server took it.
  function saveDraft() {
    if (box.value) {
      localStorage.setItem(draftKey, JSON.stringify({ body: box.value, internal: internal(),
        channel: channelSel.value, at: Date.now() }));
      draftState.textContent = "Draft saved";
    } else {
      localStorage.removeItem(draftKey);
      draftState.textContent = "";
    }
  }
  try {
    const d = JSON.parse(localStorage.getItem(draftKey));
    if (d && d.body) {
      box.value = d.body;
      setInternal(!!d.internal);
      if (d.channel && channelSel.querySelector("option[value='" + d.channel + "']")) channelSel.value = d.channel;
      draftState.textContent = "Draft restored";
    }
  } catch (e) { /* a broken draft is ignored, never thrown away silently */ }

  // What the reply will do, and the channel's limits.
  function gsm(text) { return /^[\n\r -~£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà€^{}\[\]~|\\]*$/.test(text); }
  function hints() {
    const opt = channelSel.selectedOptions[0];
    const kind = opt ? opt.dataset.kind : "";
    limits.textContent = "";
    limits.className = "limits";
    form.classList.toggle("is-note", internal());
    if (internal()) {
      via.textContent = "Internal note: only agents see it. Mention someone with @name.";
      return;
    }
    if (!opt || !opt.value) {
      via.textContent = "This ticket has no channel to reply on yet; write an internal note.";
      return;
    }
    via.textContent = "Replying through " + opt.textContent.trim() + ": the customer receives it there.";
    if (opt.dataset.active === "0") {
      limits.textContent = "This channel is switched off: the reply cannot be sent.";
      limits.className = "limits warn";
    }
    const text = box.value;
    if (kind === "sms") {
      const unicode = !gsm(text);
      const single = unicode ? 70 : 160, part = unicode ? 67 : 153;
      const n = text.length <= single ? 1 : Math.ceil(text.length / part);
      limits.textContent = text.length + " characters · " + n + " SMS segment" + (n > 1 ? "s" : "") +
        (unicode ? " (Unicode: " + single + " per message)" : "");
      if (n > 3) limits.className = "limits warn";
    } else if (kind === "whatsapp" && opt.dataset.windowCloses) {
      const left = Date.parse(opt.dataset.windowCloses) - Date.now();
      if (left <= 0) {
        limits.textContent = "WhatsApp's 24-hour window is closed: only a template can be sent. " +
          "Use another channel or a note.";
        limits.className = "limits warn";
      } else {
        const h = Math.floor(left / 3600000), m = Math.floor(left % 3600000 / 60000);
        limits.textContent = "WhatsApp window closes in " + h + "h " + m + "m";
        if (left < 3600000) limits.className = "limits warn";
      }
    }
  }
  hints();
  form.addEventListener("change", function () { hints(); saveDraft(); });

  // Typing and viewing: ephemeral, broadcast to the workspace, never stored.
  let lastTyping = 0;
  box.addEventListener("input", function () {
    saveDraft(); hints();
    if (Date.now() - lastTyping > 2000) {
      lastTyping = Date.now();
      window.hdLive.send({ action: "typing", ticket: ticket, internal: internal() });
    }
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); htmx.trigger(form, "submit"); }
  });
  form.addEventListener("htmx:beforeRequest", function () {
    document.getElementById("reply-error").textContent = "";
  });
  document.body.addEventListener("hd:reply-sent", function () {
    box.value = "";
    localStorage.removeItem(draftKey);
    draftState.textContent = "Sent";
    hints();
    scrollDown();
  });

  const viewers = {}; // member id -> {name, seen, typing}
  let customerTyping = null; // {name, at}: a chat visitor typing on this ticket
  function drawViewers() {
    const el = document.getElementById("collision");
    const typingEl = document.getElementById("typing");
    el.textContent = ""; typingEl.textContent = "";
    const now = Date.now();
    if (customerTyping && now - customerTyping.at < 5000) {
      typingEl.textContent = customerTyping.name + " is typing…";
      typingEl.setAttribute("data-testid", "customer-typing");
    }
    Object.keys(viewers).forEach(function (id) {
      const v = viewers[id];
      if (now - v.seen > 45000) { delete viewers[id]; return; }
      const chip = document.createElement("span");
      chip.className = "viewer" + (v.away ? " away" : "");
      chip.setAttribute("data-testid", "collision");
      const isTyping = now - (v.typing || 0) < 5000;
      chip.textContent = v.name + (isTyping ? " is typing…" : " is viewing");
      el.appendChild(chip);
      if (isTyping) {
        typingEl.textContent = v.name + " is typing " + (v.internal ? "a note…" : "a reply…");
      }
    });
  }
  setInterval(drawViewers, 2000);
  function announce(state) { window.hdLive.send({ action: "viewing", ticket: ticket, state: state }); }
  document.addEventListener("hd:connected", function () { announce("joined"); });
  setInterval(function () { if (!document.hidden) announce("here"); }, 15000);
  window.addEventListener("pagehide", function () { announce("left"); });

  let refreshTimer = null;
  function refreshTimeline() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      htmx.ajax("GET", conv.dataset.timelineUrl, { target: "#timeline", swap: "innerHTML" })
        .then(function () { scrollDown(); conv.dataset.refreshed = String(Date.now()); });
    }, 80);
  }
  function scrollDown() { timeline.scrollTop = timeline.scrollHeight; }
  scrollDown();

  document.addEventListener("hd:resync", refreshTimeline);
  document.addEventListener("hd:event", function (e) {
    const msg = e.detail, d = msg.data || {};
    const from = d.member;
    if (msg.event === "agent.viewing" && d.ticket === ticket && from !== me) {
      if (d.state === "left") delete viewers[from];
      else {
        viewers[from] = Object.assign(viewers[from] || {}, { name: d.name, seen: Date.now() });
        if (d.state === "joined") announce("here");
      }
      drawViewers();
    } else if (msg.event === "agent.typing" && d.ticket === ticket && from !== me) {
      viewers[from] = Object.assign(viewers[from] || {}, { name: d.name, seen: Date.now(),
        typing: Date.now(), internal: d.internal });
      drawViewers();
    } else if (msg.event === "customer.typing" && d.ticket === ticket) {
      customerTyping = { name: d.name || "The customer", at: Date.now() };
      drawViewers();
      setTimeout(drawViewers, 5100);
    } else if (msg.event === "agent.presence" && viewers[from]) {
      viewers[from].away = d.state === "away"; drawViewers();
    } else if ((msg.event === "message.created" && d.ticket && d.ticket.id === ticket) ||
               ((msg.event === "message.status" || msg.event === "message.queued") && d.ticket === ticket) ||
               msg.event === "call.updated") {
      refreshTimeline();
    } else if (msg.event === "ticket.updated" && d.id === ticket && d.actor !== me) {
      const note = document.getElementById("properties-error");
      note.innerHTML = "";
      const p = document.createElement("p");
      p.className = "warn";
      p.textContent = "Someone changed this ticket (" + (d.changed || []).join(", ") + "). ";
      const a = document.createElement("a"); a.href = location.href; a.textContent = "Reload";
      p.appendChild(a); note.appendChild(p);
    }
  });

  // Shortcuts on this page.
  document.addEventListener("keydown", function (e) {
    const t = e.target;
    if (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "r") { e.preventDefault(); setInternal(false); box.focus(); }
    else if (e.key === "n") { e.preventDefault(); setInternal(true); box.focus(); }
    else if (e.key === "m") { e.preventDefault(); document.getElementById("macro-picker").focus(); }
  });

  // Macros: fill in the text at the cursor; a macro that changes the ticket reloads it after.
  const picker = document.getElementById("macro-picker");
  picker.addEventListener("change", function () {
    const id = picker.value;
    if (!id) return;
    api("tickets/" + ticket + "/macros/" + id + "/apply/", { method: "POST", body: "{}" })
      .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (res) {
        picker.value = "";
        if (!res[0]) { window.hdLive.toast(res[1].error ? res[1].error.message : "Macro failed."); return; }
        const at = box.selectionStart || box.value.length;
        box.value = box.value.slice(0, at) + res[1].body + box.value.slice(at);
        saveDraft(); hints(); box.focus();
        if (res[1].changed.length) {
          window.hdLive.toast("Macro applied: " + res[1].changed.join(", ") + " changed");
          setTimeout(function () { location.reload(); }, 600);
        }
      });
  });

  // Handoff dialog.
  const handoff = document.getElementById("handoff");
  document.getElementById("handoff-open").addEventListener("click", function () { handoff.showModal(); });
  handoff.querySelector("[data-close]").addEventListener("click", function () { handoff.close(); });

  // Pieces that arrive with other parts of the product show up when their API answers.
  api("customers/" + conv.dataset.customer + "/timeline/?limit=20", { method: "GET" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (j) {
      if (!j || !j.results) return;
      const list = document.getElementById("customer-timeline-list");
      j.results.slice(-20).forEach(function (m) {
        const li = document.createElement("li");
        const when = m.created_at ? new Date(m.created_at).toLocaleString() : "";
        li.textContent = (m.channel || "note") + " · " + (m.direction || "") + " · " + when + " — " +
          String(m.body_text || "").slice(0, 120);
        list.appendChild(li);
      });
      document.getElementById("customer-timeline").hidden = false;
    }).catch(function () {});
  const kb = document.getElementById("kb");
  const kbq = document.getElementById("kb-q");
  api("kb/search/?q=a", { method: "GET" }).then(function (r) { if (r.ok) kb.hidden = false; })
    .catch(function () {});
  let kbTimer = null;
  kbq.addEventListener("input", function () {
    clearTimeout(kbTimer);
    kbTimer = setTimeout(function () {
      api("kb/search/?q=" + encodeURIComponent(kbq.value), { method: "GET" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (j) {
          const ul = document.getElementById("kb-results");
          ul.textContent = "";
          j.results.slice(0, 5).forEach(function (a) {
            const li = document.createElement("li");
            const b = document.createElement("button");
            b.type = "button"; b.textContent = a.title;
            b.addEventListener("click", function () {
              box.value += (box.value ? "\n\n" : "") + a.title + "\n" + String(a.snippet || "").replace(/<[^>]*>/g, "");
              saveDraft(); hints();
            });
            li.appendChild(b); ul.appendChild(li);
          });
        });
    }, 250);
  });
})();
