// The simulated admin frame: answers the app's App Bridge calls (see app-bridge.js).
(function () {
  "use strict";
  var sim = window.__SIM;
  var frame = document.getElementById("app-frame");
  var appOrigin = new URL(sim.appUrl).origin;

  function reply(id, payload, error) {
    frame.contentWindow.postMessage({ source: "atelier-sim-admin", type: "result", id: id, payload: payload, error: error }, appOrigin);
  }

  function toast(message, isError) {
    var el = document.createElement("div");
    el.className = "toast" + (isError ? " error" : "");
    el.setAttribute("role", "status");
    el.textContent = message;
    document.getElementById("toasts").appendChild(el);
    setTimeout(function () { el.remove(); }, 5000);
  }

  function renderNav(links) {
    var list = document.getElementById("nav-links");
    list.innerHTML = "";
    links.forEach(function (link) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#";
      a.textContent = link.home ? "Home" : link.label;
      a.setAttribute("data-href", link.href);
      a.onclick = function (e) {
        e.preventDefault();
        frame.contentWindow.postMessage({ source: "atelier-sim-admin", type: "navigate", href: link.href }, appOrigin);
      };
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  // Shopify's resource picker for products or collections (options as App Bridge takes them).
  var PICKERS = {
    product: { path: "/__sim/picker/products", noun: "products" },
    collection: { path: "/__sim/picker/collections", noun: "collections" },
  };

  function picker(id, options) {
    var kind = PICKERS[options.type || "product"];
    if (!kind) {
      reply(id, undefined, "Resource picker type " + options.type + " is not implemented by the simulated admin");
      return;
    }
    var dialog = document.getElementById("picker");
    var list = document.getElementById("picker-list");
    var search = document.getElementById("picker-search");
    var multiple = options.multiple !== false;
    var limit = typeof options.multiple === "number" ? options.multiple : Infinity;
    var preselected = new Set((options.selectionIds || []).map(function (s) { return s.id; }));
    var selected = new Map();
    document.getElementById("picker-title").textContent = "Select " + kind.noun;
    search.placeholder = "Search " + kind.noun;
    search.setAttribute("aria-label", "Search " + kind.noun);
    dialog.setAttribute("data-type", options.type || "product");
    function load() {
      fetch(kind.path + "?shop=" + encodeURIComponent(sim.shop) + "&query=" + encodeURIComponent(search.value))
        .then(function (r) { return r.json(); })
        .then(function (items) {
          list.innerHTML = "";
          items.forEach(function (p) {
            if (preselected.has(p.id)) {
              preselected.delete(p.id);
              selected.set(p.id, p);
            }
            var row = document.createElement("label");
            row.className = "pick";
            var box = document.createElement("input");
            box.type = multiple ? "checkbox" : "radio";
            box.name = "pick";
            box.checked = selected.has(p.id);
            box.onchange = function () {
              if (!multiple) selected.clear();
              if (box.checked && selected.size >= limit) {
                box.checked = false;
                return;
              }
              if (box.checked) selected.set(p.id, p); else selected.delete(p.id);
            };
            row.appendChild(box);
            row.appendChild(document.createTextNode(" " + p.title));
            if (typeof p.productsCount === "number") {
              var count = document.createElement("small");
              count.textContent = " · " + p.productsCount + " product" + (p.productsCount === 1 ? "" : "s");
              row.appendChild(count);
            }
            list.appendChild(row);
          });
        });
    }
    search.value = options.query || (options.filter && options.filter.query) || "";
    search.oninput = load;
    document.getElementById("picker-select").onclick = function () {
      dialog.close();
      reply(id, { selection: Array.from(selected.values()) });
    };
    document.getElementById("picker-cancel").onclick = function () {
      dialog.close();
      reply(id, undefined);
    };
    load();
    dialog.showModal();
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== appOrigin || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.source !== "atelier-sim-app") return;
    switch (data.type) {
      case "idToken":
        fetch("/__sim/session-token?shop=" + encodeURIComponent(sim.shop), { method: "POST" })
          .then(function (r) { return r.json(); })
          .then(function (body) { reply(data.id, body.token); }, function (e) { reply(data.id, null, String(e)); });
        break;
      case "toast":
        toast(data.payload.message, data.payload.isError);
        reply(data.id, null);
        break;
      case "navMenu":
        renderNav(data.payload.links);
        reply(data.id, null);
        break;
      case "title":
        document.title = data.payload.title + " · Atelier";
        reply(data.id, null);
        break;
      case "loading":
        document.body.classList.toggle("loading", data.payload.on);
        reply(data.id, null);
        break;
      case "redirect":
        reply(data.id, null);
        window.location.assign(data.payload.url);
        break;
      case "resourcePicker":
        picker(data.id, data.payload || {});
        break;
      default:
        reply(data.id, null, "App Bridge call " + data.type + " is not implemented by the simulated admin");
    }
  });
})();
