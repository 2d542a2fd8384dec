// One signalling socket for the answer runner (practice and one-way interviews) and the live
// rooms: the URL is a path on this host or an absolute ws(s):// URL (a media node's), every
// message is JSON dispatched by its `type` to a table of handlers, and send() drops what it is
// given while the socket is not open. (No reconnect: a new socket needs a new peer connection,
// which each page does itself when the person starts again.)

export function socketUrl(pathOrUrl, params = {}) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = /^wss?:\/\//.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(`${scheme}://${location.host}${pathOrUrl}`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export class Signalling {
  // `handlers`: { [type]: (message) => void | Promise }, plus `default` for other types.
  // `on`: { open, close(event), error } for the socket's own events.
  constructor(url, handlers, on = {}) {
    this.handlers = handlers;
    this.ws = new WebSocket(url);
    this.ws.onopen = () => on.open && on.open();
    this.ws.onclose = (event) => on.close && on.close(event);
    this.ws.onerror = () => on.error && on.error();
    this.ws.onmessage = (event) => this.dispatch(event.data);
  }

  dispatch(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const handler = this.handlers[message.type] || this.handlers.default;
    if (handler) Promise.resolve(handler(message)).catch((error) => console.error("signalling", message.type, error));
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  close(code) {
    this.ws.close(code);
  }
}
