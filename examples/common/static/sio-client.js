// The example pages' one way to load and use the official Socket.IO
// client of each generation (served by sio-host under /vendor, /vendor2 and
// /vendor0, see the examples' sio.toml):
//   "4"   socket.io-client 4.x, Engine.IO 4: websocket, polling (XHR, CORS cross-origin)
//   "2"   socket.io-client 2.x, Engine.IO 3: websocket, polling, jsonp (polling through <script>)
//   "0.9" socket.io-client 0.9, TornadIO2's protocol: websocket, flashsocket,
//         htmlfile, xhr-polling, jsonp-polling (flashsocket needs Flash and
//         htmlfile Internet Explorer's ActiveXObject: offered, but no current
//         browser runs them)

export const CLIENTS = {
  "4": { script: "/vendor/socket.io.min.js", transports: ["websocket", "polling"] },
  "2": { script: "/vendor2/socket.io.js", transports: ["websocket", "polling", "jsonp"] },
  "0.9": {
    script: "/vendor0/socket.io.js",
    transports: ["websocket", "flashsocket", "htmlfile", "xhr-polling", "jsonp-polling"],
  },
};

/** The page's query: `client` (one of `offered`, keys of CLIENTS; default
 * the first), `transport` (default: the client's own choice), `server`
 * (default: `server`, else the page's origin). */
export function options(offered = Object.keys(CLIENTS), server = location.origin) {
  const q = new URLSearchParams(location.search);
  const client = offered.includes(q.get("client")) ? q.get("client") : offered[0];
  return {
    client,
    transport: q.get("transport") || "",
    server: q.get("server") || server,
  };
}

/** Loads the client's script (from `base`, the page's origin by default);
 * resolves with its global `io`. */
export function loadClient(client, base = "") {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = base + CLIENTS[client].script;
    script.onload = () => resolve(window.io);
    script.onerror = () => reject(new Error(`cannot load ${script.src}`));
    document.head.append(script);
  });
}

/** A socket on `url` (origin plus endpoint path), over `transport` when one
 * is given. Sockets of one page on one server share a connection (one
 * Engine.IO / 0.9 session), endpoints multiplexed over it. */
export function open(client, url, transport = "") {
  const io = window.io;
  if (client === "0.9") {
    // The 0.9 client merges a `transports` option into its default list
    // index by index, so the global list is pinned too.
    if (transport) io.transports = [transport];
    return io.connect(url, {
      transports: transport ? [transport] : io.transports,
      reconnect: false,
    });
  }
  const opts = { reconnection: false };
  if (transport === "jsonp") Object.assign(opts, { transports: ["polling"], forceJSONP: true });
  else if (transport) opts.transports = [transport];
  else if (client === "2") opts.jsonp = true;
  return io(url, opts);
}

/** The transport a socket is on now. */
export function transportOf(client, socket) {
  if (client === "0.9") return socket.socket?.transport?.name ?? "";
  const t = socket.io?.engine?.transport;
  if (!t) return "";
  // 2.x names JSONP polling "polling" too; its requests carry `j=<index>`.
  return client === "2" && t.name === "polling" && t.query?.j !== undefined ? "jsonp" : t.name;
}

/** Appends a line to the list `ul`, scrolled to the end. */
export function log(ul, text) {
  const li = document.createElement("li");
  li.textContent = text;
  ul.append(li);
  ul.scrollTop = ul.scrollHeight;
}

/** Shows `socket`'s state in `element` (class "connected" while connected). */
export function showStatus(socket, element) {
  const set = (connected) => {
    element.textContent = connected ? "connected" : "disconnected";
    element.classList.toggle("connected", connected);
  };
  socket.on("connect", () => set(true));
  socket.on("disconnect", () => set(false));
}

/** Shows a ping's answer in `element`: the round trip and the
 * client-to-server time (ms), then `extra`; `data-count` counts answers. */
export function showPong(element, clientStamp, serverStamp, extra = "") {
  element.textContent = `Ping: ${Date.now() - clientStamp} ms. C2S: ${serverStamp - clientStamp} ms.${extra}`;
  element.dataset.count = Number(element.dataset.count) + 1;
}

/** A page's usual start: its options (see `options`), the client loaded,
 * one socket on the server, its state shown in #status. */
export async function start(offered, server) {
  const chosen = options(offered, server);
  await loadClient(chosen.client);
  const socket = open(chosen.client, chosen.server, chosen.transport);
  showStatus(socket, document.getElementById("status"));
  return { ...chosen, socket };
}
