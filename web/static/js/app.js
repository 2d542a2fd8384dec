// Shared helpers for page scripts: messages from the server's catalog, and CSRF-safe fetch.

export function pageMessages() {
  const node = document.getElementById("page-messages");
  return node ? JSON.parse(node.textContent) : {};
}

export function format(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in params ? String(params[key]) : `{${key}}`));
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, url, body) {
  const init = { method, headers: { "X-CSRF-Token": csrfToken() }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText);
  }
  return data;
}

// Page state for browser tests, on `window` only when the server runs with UNTACT_TEST_HOOKS
// (the page's <html data-test-hooks>); production pages expose nothing.
export function testHook(name, value) {
  if ("testHooks" in document.documentElement.dataset) window[name] = value;
}

// STUN/TURN servers for RTCPeerConnection (TURN with short-lived credentials); none on a LAN.
// A failure here must not stop a call that works without a relay.
export async function iceServers() {
  try {
    return (await api("GET", "/api/ice-servers")).ice_servers;
  } catch (error) {
    return [];
  }
}
