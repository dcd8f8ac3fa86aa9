// Stand-in for Shopify's App Bridge script (cdn.shopify.com/shopifycloud/app-bridge.js),
// served by the simulated shop and loaded by the app only when APP_BRIDGE_URL points
// here. It implements the calls Atelier uses by talking to the simulated admin frame.
(function () {
  "use strict";
  var script = document.currentScript;
  var adminOrigin = new URL(script.src).origin;
  var apiKey = script.getAttribute("data-api-key");
  var params = new URLSearchParams(location.search);
  var shop = params.get("shop");
  var seq = 0;
  var pending = new Map();

  function call(type, payload) {
    return new Promise(function (resolve, reject) {
      var id = ++seq;
      pending.set(id, { resolve: resolve, reject: reject });
      window.parent.postMessage({ source: "atelier-sim-app", type: type, id: id, payload: payload }, adminOrigin);
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== adminOrigin) return;
    var data = event.data || {};
    if (data.source !== "atelier-sim-admin") return;
    if (data.type === "result" && pending.has(data.id)) {
      var p = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) p.reject(new Error(data.error));
      else p.resolve(data.payload);
    } else if (data.type === "navigate") {
      // What App Bridge does for admin navigation: a shopify:navigate event on the link.
      var link = document.createElement("a");
      link.setAttribute("href", data.href);
      link.style.display = "none";
      document.body.appendChild(link);
      link.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true }));
      link.remove();
    }
  });

  var cached = null;
  function idToken() {
    if (cached && cached.exp - 10 > Date.now() / 1000) return Promise.resolve(cached.token);
    return call("idToken", {}).then(function (token) {
      var claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      cached = { token: token, exp: claims.exp };
      return token;
    });
  }

  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    init = init || {};
    var request = input instanceof Request ? input : null;
    var url = new URL(request ? request.url : String(input), location.href);
    if (url.origin !== location.origin) return originalFetch(input, init);
    var headers = new Headers(init.headers || (request ? request.headers : undefined));
    if (headers.has("Authorization")) return originalFetch(input, init);
    return idToken().then(function (token) {
      headers.set("Authorization", "Bearer " + token);
      if (request) return originalFetch(new Request(request, { headers: headers }));
      return originalFetch(input, Object.assign({}, init, { headers: headers }));
    });
  };

  var originalOpen = window.open;
  window.open = function (url, target, features) {
    if (target === "_top" || target === "_parent") {
      call("redirect", { url: new URL(String(url), location.href).toString() });
      return null;
    }
    return originalOpen.call(window, url, target, features);
  };

  function syncNavMenu() {
    var menu = document.querySelector("ui-nav-menu");
    if (!menu) return;
    var links = Array.prototype.map.call(menu.querySelectorAll("a"), function (a) {
      return { href: a.getAttribute("href"), label: a.textContent, home: a.getAttribute("rel") === "home" };
    });
    var signature = JSON.stringify(links);
    if (signature === syncNavMenu.last) return;
    syncNavMenu.last = signature;
    call("navMenu", { links: links });
  }

  // Hidden by a style rule, not by attributes, so React's hydration sees the server's markup.
  var style = document.createElement("style");
  style.textContent = "ui-nav-menu,ui-title-bar{display:none!important}ui-modal:not([data-sim-open]){display:none}" +
    "ui-modal[data-sim-open]{display:block;position:fixed;inset:10% 20%;z-index:1000;background:#fff;border-radius:12px;box-shadow:0 10px 40px #0004;padding:16px;overflow:auto}";
  document.head.appendChild(style);

  function define(name, impl) {
    if (!customElements.get(name)) customElements.define(name, impl);
  }
  define("ui-nav-menu", class extends HTMLElement {
    connectedCallback() {
      syncNavMenu();
    }
  });
  define("ui-title-bar", class extends HTMLElement {
    connectedCallback() {
      call("title", { title: this.getAttribute("title") || "" });
    }
  });
  define("ui-modal", class extends HTMLElement {
    show() {
      this.setAttribute("data-sim-open", "");
      this.dispatchEvent(new CustomEvent("show"));
      return Promise.resolve();
    }
    hide() {
      this.removeAttribute("data-sim-open");
      this.dispatchEvent(new CustomEvent("hide"));
      return Promise.resolve();
    }
    toggle() {
      return this.hasAttribute("data-sim-open") ? this.hide() : this.show();
    }
  });
  new MutationObserver(syncNavMenu).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  function byId(id) {
    return document.getElementById(id);
  }

  // The auth library's bounce and exit pages expect App Bridge to finish their job.
  var reload = params.get("shopify-reload");
  if (reload) {
    idToken().then(function (token) {
      var target = new URL(reload, location.href);
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }
  var exitTo = params.get("exitIframe");
  if (exitTo) call("redirect", { url: new URL(exitTo, location.href).toString() });

  window.shopify = {
    config: { apiKey: apiKey, shop: shop, host: params.get("host"), locale: params.get("locale") || "en" },
    environment: { embedded: true, mobile: false, pos: false },
    origin: adminOrigin,
    idToken: idToken,
    toast: {
      show: function (message, options) {
        call("toast", { message: String(message), isError: Boolean(options && options.isError) });
        return "toast-" + seq;
      },
      hide: function () {},
    },
    loading: function (on) {
      call("loading", { on: on !== false });
    },
    // Resolves the way App Bridge does: the selected resources as an array (products or
    // collections, per options.type) that also carries the deprecated `selection` key;
    // undefined when the merchant cancels.
    resourcePicker: function (options) {
      return call("resourcePicker", options || {}).then(function (payload) {
        if (!payload) return undefined;
        var picked = Array.isArray(payload) ? payload.slice() : (payload.selection || []).slice();
        picked.selection = picked.slice();
        return picked;
      });
    },
    modal: {
      show: function (id) {
        var m = byId(id);
        return m ? m.show() : Promise.resolve();
      },
      hide: function (id) {
        var m = byId(id);
        return m ? m.hide() : Promise.resolve();
      },
      toggle: function (id) {
        var m = byId(id);
        return m ? m.toggle() : Promise.resolve();
      },
    },
    saveBar: { show: function () { return Promise.resolve(); }, hide: function () { return Promise.resolve(); }, toggle: function () { return Promise.resolve(); } },
  };
})();
