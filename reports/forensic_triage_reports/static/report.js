/* forensic-triage HTML report: loads the data chunks (data/<table>-NNNN.js) on demand, pages,
   searches and filters tables, and draws conversations as bubbles.
   Every value from the evidence is put into the page with textContent, never parsed as markup. */
"use strict";
var FT = (function () {
  var tables = {};          // name -> {columns, rows, chunks, chunk}
  var loaded = {};          // name -> array of chunk arrays
  var waiting = {};         // "name/n" -> [callbacks]
  var PAGE = 100;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(name, number, rows) {
    (loaded[name] = loaded[name] || [])[number] = rows;
    var key = name + "/" + number;
    (waiting[key] || []).forEach(function (cb) { cb(); });
    delete waiting[key];
  }

  function loadChunk(name, number, cb) {
    if (loaded[name] && loaded[name][number]) { cb(); return; }
    var key = name + "/" + number;
    if (waiting[key]) { waiting[key].push(cb); return; }
    waiting[key] = [cb];
    var script = document.createElement("script");
    script.src = "data/" + name + "-" + String(number).padStart(4, "0") + ".js";
    script.onerror = function () { console.error("cannot load " + script.src); };
    document.head.appendChild(script);
  }

  function loadChunks(name, numbers, cb) {
    var left = numbers.length;
    if (!left) { cb(); return; }
    numbers.forEach(function (n) { loadChunk(name, n, function () { if (--left === 0) cb(); }); });
  }

  function loadAll(name, cb) {
    var meta = FT.tables[name], all = [];
    for (var i = 0; i < meta.chunks; i++) all.push(i);
    loadChunks(name, all, cb);
  }

  function row(name, index) {
    var size = FT.tables[name].chunk;
    return loaded[name][Math.floor(index / size)][index % size];
  }

  function allRows(name) {
    var out = [];
    (loaded[name] || []).forEach(function (chunk) { if (chunk) out.push.apply(out, chunk); });
    return out;
  }

  function cellClass(name) {
    if (name === "provenance") return "prov";
    if (name === "body" || name === "details") return "body";
    if (/(_utc|^utc|^local|^time)$/.test(name) || name === "local") return "time";
    if (/(sha256|digest|hash)$/.test(name)) return "hash";
    if (/^(sender|recipients|parties|name|travellers|participants|identifier|phones|emails|handles|phone|email)$/.test(name)) return "who";
    if (/^(from|to|place|trip|provider|media|path|attachments)$/.test(name)) return "place";
    if (name === "id" || name === "seq") return "num";
    if (/^(direction|app|flags|kind|type|deleted|missed|status|origin|country|action|source)$/.test(name)) return "short";
    return null;
  }

  /* --- tables -------------------------------------------------------------------------------- */
  function Table(host) {
    var name = host.getAttribute("data-table");
    var meta = FT.tables[name];
    if (!meta || !meta.rows) { host.appendChild(el("p", "note", "Nothing in scope.")); return; }
    var hidden = (host.getAttribute("data-hide") || "").split(",");
    var columns = meta.columns.map(function (c, i) { return {name: c, index: i}; })
                              .filter(function (c) { return hidden.indexOf(c.name) < 0; });
    var tools = el("div", "tools");
    var search = el("input"); search.type = "search"; search.placeholder = "Search all " + meta.rows.toLocaleString() + " rows";
    var column = el("select");
    column.appendChild(el("option", null, "in every column")).value = "";
    columns.forEach(function (c) { var o = el("option", null, "in " + c.name.replace(/_/g, " ")); o.value = c.index; column.appendChild(o); });
    var status = el("span", "status", "");
    tools.appendChild(search); tools.appendChild(column); tools.appendChild(status);
    var wrap = el("div", "scroll");
    var table = el("table", "grid");
    var head = el("thead"), tr = el("tr");
    columns.forEach(function (c) {
      var th = el("th", null, c.name.replace(/_/g, " "));
      th.title = "Sort by " + c.name;
      th.addEventListener("click", function () { sortBy(c.index); });
      tr.appendChild(th);
    });
    head.appendChild(tr); table.appendChild(head);
    var body = el("tbody"); table.appendChild(body); wrap.appendChild(table);
    var pager = el("div", "pager");
    host.appendChild(tools); host.appendChild(wrap); host.appendChild(pager);

    var state = {page: 0, filtered: null, sort: null, desc: false};

    function current() { return state.filtered; }
    function count() { return state.filtered ? state.filtered.length : meta.rows; }

    function render() {
      var start = state.page * PAGE, end = Math.min(start + PAGE, count());
      var need = [];
      if (!state.filtered) {
        for (var c = Math.floor(start / meta.chunk); c <= Math.floor(Math.max(end - 1, 0) / meta.chunk); c++) need.push(c);
      }
      loadChunks(name, need, function () {
        body.textContent = "";
        for (var i = start; i < end; i++) {
          var values = state.filtered ? state.filtered[i] : row(name, i);
          var line = el("tr");
          columns.forEach(function (c) {
            var v = values[c.index];
            var td = el("td", cellClass(c.name),
                        v === null || v === undefined ? "" : (typeof v === "object" ? JSON.stringify(v) : v));
            if (c.name === "body" || c.name === "details") td.dir = "auto";   // Arabic, Hebrew read right to left
            line.appendChild(td);
          });
          body.appendChild(line);
        }
        drawPager();
      });
    }

    function drawPager() {
      pager.textContent = "";
      var pages = Math.max(1, Math.ceil(count() / PAGE));
      var first = el("button", null, "« First"), prev = el("button", null, "‹ Previous");
      var next = el("button", null, "Next ›"), last = el("button", null, "Last »");
      first.addEventListener("click", function () { state.page = 0; render(); });
      prev.addEventListener("click", function () { if (state.page > 0) { state.page--; render(); } });
      next.addEventListener("click", function () { if (state.page < pages - 1) { state.page++; render(); } });
      last.addEventListener("click", function () { state.page = pages - 1; render(); });
      [first, prev].forEach(function (b) { b.disabled = state.page === 0; pager.appendChild(b); });
      pager.appendChild(el("span", "status", "Page " + (state.page + 1) + " of " + pages + " · " +
                           count().toLocaleString() + (state.filtered ? " matching of " + meta.rows.toLocaleString() : "") + " rows"));
      [next, last].forEach(function (b) { b.disabled = state.page >= pages - 1; pager.appendChild(b); });
    }

    function applyFilter() {
      var q = search.value.trim().toLowerCase();
      var col = column.value === "" ? null : Number(column.value);
      if (!q && state.sort === null) { state.filtered = null; state.page = 0; status.textContent = ""; render(); return; }
      status.textContent = "Loading all rows…";
      loadAll(name, function () {
        var rows = allRows(name);
        if (q) {
          rows = rows.filter(function (r) {
            if (col !== null) return String(r[col] === null ? "" : r[col]).toLowerCase().indexOf(q) >= 0;
            for (var k = 0; k < r.length; k++) {
              var v = r[k];
              if (v !== null && String(typeof v === "object" ? JSON.stringify(v) : v).toLowerCase().indexOf(q) >= 0) return true;
            }
            return false;
          });
        }
        if (state.sort !== null) {
          var s = state.sort, d = state.desc ? -1 : 1;
          rows = rows.slice().sort(function (a, b) {
            var x = a[s], y = b[s];
            if (x === y) return 0;
            if (x === null || x === undefined || x === "") return 1;
            if (y === null || y === undefined || y === "") return -1;
            return (x < y ? -1 : 1) * d;
          });
        }
        state.filtered = rows; state.page = 0; status.textContent = ""; render();
      });
    }

    function sortBy(index) {
      state.desc = state.sort === index ? !state.desc : false;
      state.sort = index;
      applyFilter();
    }

    var timer = null;
    search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(applyFilter, 250); });
    column.addEventListener("change", applyFilter);
    render();
  }

  /* --- conversations --------------------------------------------------------------------------- */
  function Chat(host) {
    var list = host.querySelector(".chat-list ul"), filter = host.querySelector(".chat-filter");
    var head = host.querySelector(".chat-head"), bubbles = host.querySelector(".bubbles");
    var pager = host.querySelector(".pager");
    var CM = FT.tables.message.columns, CC = FT.tables.conversation.columns;
    function ci(name) { return CC.indexOf(name); }
    function mi(name) { return CM.indexOf(name); }
    var selected = null, page = 0, BPAGE = 200;

    loadAll("conversation", function () {
      var convs = allRows("conversation");
      function drawList() {
        var q = filter.value.trim().toLowerCase();
        list.textContent = "";
        convs.forEach(function (c) {
          // A thread's own name (a group's title) first, unless it is just the other party's address.
          var name = c[ci("name")], people = c[ci("participants")];
          var label = (name && people.indexOf(name) < 0 ? name + " · " : "") + (people || name || c[ci("thread")]);
          if (q && (label + " " + c[ci("app")] + " " + c[ci("participants")]).toLowerCase().indexOf(q) < 0) return;
          var li = el("li", selected === c ? "active" : null, label);
          li.appendChild(el("span", "meta", c[ci("app")] + " · " + c[ci("messages")] + " messages · " +
                                            (c[ci("first_utc")] || "no time") + " – " + (c[ci("last_utc")] || "")));
          li.addEventListener("click", function () { selected = c; page = 0; drawList(); show(); });
          list.appendChild(li);
        });
      }
      filter.addEventListener("input", drawList);
      // "index.html#conversation-3" opens that conversation (links from notes, screenshots).
      var wanted = /^#conversation-(\d+)$/.exec(window.location.hash);
      if (convs.length) selected = convs[wanted && Number(wanted[1]) < convs.length ? Number(wanted[1]) : 0];
      drawList(); show();
    });

    function show() {
      if (!selected) return;
      var offset = selected[ci("offset")], total = selected[ci("messages")];
      var start = offset + page * BPAGE, end = Math.min(offset + total, start + BPAGE);
      var size = FT.tables.message.chunk, need = [];
      for (var c = Math.floor(start / size); c <= Math.floor((end - 1) / size); c++) need.push(c);
      head.textContent = selected[ci("app")] + " · " + (selected[ci("participants")] || selected[ci("name")]) +
                         (selected[ci("name")] && selected[ci("name")] !== selected[ci("participants")] ? " · " + selected[ci("name")] : "");
      loadChunks("message", need, function () {
        bubbles.textContent = "";
        for (var i = start; i < end; i++) {
          var m = row("message", i);
          var out = m[mi("direction")] === "outgoing";
          var b = el("div", "bubble" + (out ? " out" : ""));
          b.appendChild(el("span", "who", out ? "Device owner" + (m[mi("sender")] ? " (" + m[mi("sender")] + ")" : "")
                                               : (m[mi("sender")] || "unknown sender")));
          if (m[mi("subject")]) b.appendChild(el("strong", null, m[mi("subject")]));
          var text = el("span", "text", m[mi("body")] || "");
          text.dir = "auto";
          b.appendChild(text);
          if (m[mi("attachments")]) b.appendChild(el("span", "att", "📎 " + m[mi("attachments")]));
          (m[mi("thumbnails")] || []).forEach(function (src) {
            if (!/^attachments\/[0-9a-f]+\.jpg$/.test(src)) return;     // only the report's own thumbnails
            var img = el("img", "thumb");
            img.src = src; img.alt = "attached picture"; img.loading = "lazy";
            b.appendChild(img);
          });
          if (m[mi("flags")]) b.appendChild(el("span", "flag", m[mi("flags")]));
          b.appendChild(el("span", "when", (m[mi("time_utc")] || "no time") +
                                          (m[mi("local")] ? " · local " + m[mi("local")] : "")));
          b.appendChild(el("span", "prov", "#" + m[mi("id")] + " · " + m[mi("provenance")]));
          bubbles.appendChild(b);
        }
        pager.textContent = "";
        var pages = Math.max(1, Math.ceil(total / BPAGE));
        var prev = el("button", null, "‹ Earlier"), next = el("button", null, "Later ›");
        prev.disabled = page === 0; next.disabled = page >= pages - 1;
        prev.addEventListener("click", function () { page--; show(); });
        next.addEventListener("click", function () { page++; show(); });
        pager.appendChild(prev);
        pager.appendChild(el("span", "status", "Messages " + (start - offset + 1) + "–" + (end - offset) + " of " + total));
        pager.appendChild(next);
        bubbles.scrollTop = 0;
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-table]"), Table);
    Array.prototype.forEach.call(document.querySelectorAll("[data-chat]"), Chat);
    document.documentElement.setAttribute("data-ready", "1");
  }
  document.addEventListener("DOMContentLoaded", start);
  return {add: add, tables: tables};
})();
