// Live interview room: device check, a signed short-lived room token, the lobby (the candidate
// waits; interviewers admit or deny), SFU media through the server (send once, receive-only
// slots for the others), chat, mute, recording indicator, connection quality, and the
// interviewer's private scorecard saved while the call runs, screen sharing (a send-only video
// m-line reserved at join, filled with replaceTrack, so sharing needs no renegotiation) and live
// captions of the candidate's speech for the interviewers.
import { api, format, iceServers, pageMessages, testHook } from "./app.js";
import { describeMediaError, openCamera } from "./media_check.js";
import { Signalling, socketUrl } from "./signalling.js";

const messages = pageMessages();
const t = (key, params) => format(messages[key] || key, params);
const config = JSON.parse(document.getElementById("room-config").textContent);
const $ = (id) => document.getElementById(id);

const state = {
  camera: null, ws: null, pc: null, identity: null, admitted: false, slots: {}, names: {}, chat: [],
  screenTx: null, screen: null, captionsOn: false, captions: [],
};
testHook("roomState", state);

function setRoomState(key, stateName) {
  const node = $("room-state");
  node.textContent = t(`room.state_${key}`);
  node.dataset.state = stateName || key;
}

function send(message) {
  if (state.ws) state.ws.send(message);
}

// ------------------------------------------------------------------ entering

$("enter-room").addEventListener("click", async () => {
  $("enter-room").disabled = true;
  try {
    state.camera = await openCamera($("local-video"), $("mic-level"), { width: 640, height: 480 });
  } catch (error) {
    $("device-status").textContent = describeMediaError(error, t);
    $("enter-room").disabled = false;
    return;
  }
  $("device-status").textContent = t("room.devices_ok");
  if (!(await connectRoom())) $("enter-room").disabled = false;
});

// A room lives on one media node. When that node is lost or drains (`room_closed` with
// `node_lost`/`node_draining`) or the socket drops while in the room, the page asks for a fresh
// grant, which places the room on a live node, and joins again with the same camera.
const REJOIN_REASONS = new Set(["node_lost", "node_draining"]);
const MAX_REJOINS = 5;
// The node went away (not: replaced by another tab 4409, turned away 4000, logged out 4401).
const LOST_SOCKET_CODES = new Set([1001, 1006, 1011, 1012]);

async function connectRoom() {
  let grant;
  try {
    // Every kind of room (interview, counselling, mentoring) names its own token route.
    grant = await api("POST", config.token_url || `/api/interviews/invitations/${config.invitation_id}/room-token`);
  } catch (error) {
    $("device-status").textContent = error.message;
    return false;
  }
  state.wsUrl = grant.ws_url;
  testHook("roomSocketUrl", grant.ws_url);
  // The token's `ws_url` is a path on this host or a media node's absolute URL.
  const ws = new Signalling(socketUrl(grant.ws_url, { token: grant.token }), roomMessages, {
    open: () => { state.rejoins = 0; },
    close: (event) => {
      if (state.ws !== ws) return; // an old socket closing after a rejoin began
      state.closeCode = event.code;
      if (state.denied || state.left) {
        setRoomState(state.left ? "left" : "disconnected", "closed");
        return;
      }
      const lost = state.moving || (state.inRoom && LOST_SOCKET_CODES.has(event.code));
      if (lost && (state.rejoins || 0) < MAX_REJOINS) {
        rejoin();
        return;
      }
      setRoomState("disconnected", "closed");
    },
    error: () => { if (!state.moving && !state.inRoom) setRoomState("refused", "refused"); },
  });
  state.ws = ws;
  return true;
}

function rejoin() {
  state.rejoins = (state.rejoins || 0) + 1;
  state.moving = false;
  state.inRoom = false;
  setRoomState("moving", "moving");
  if (state.pc) { state.pc.close(); state.pc = null; }
  state.joining = false;
  for (const [mid, slot] of Object.entries(state.slots)) assignSlot({ mid, kind: slot.kind, publisher: null });
  // A lost node stays placed until its heartbeat runs out: wait a little longer each time.
  const delayMs = Math.min(8000, 500 * 2 ** (state.rejoins - 1));
  setTimeout(() => { connectRoom(); }, delayMs);
}

const consentBox = $("recording-consent");
if (consentBox) consentBox.addEventListener("change", () => send({ type: "consent", recording: consentBox.checked }));

// ------------------------------------------------------------------ messages

const roomMessages = {
  async hello(message) {
    state.inRoom = true;
    if ($("room-error").textContent === t("room.moving_notice")) $("room-error").textContent = ""; // moved: back in
    state.identity = message.identity;
    for (const p of message.participants) state.names[p.identity] = p.name;
    showRecording(message.recording);
    showCaptions(message.captions);
    if (consentBox && consentBox.checked && !message.consent) send({ type: "consent", recording: true });
    if (message.state === "lobby") {
      setRoomState("lobby");
      $("lobby-status").textContent = t("room.waiting");
      $("lobby-status").hidden = false;
    } else {
      await joinMedia();
    }
  },
  async admitted(message) {
    $("lobby-status").textContent = t("room.admitted", { by: message.by });
    await joinMedia();
  },
  denied() {
    state.denied = true;
    $("lobby-status").textContent = t("room.denied");
    setRoomState("denied");
    stopAll();
  },
  lobby(message) {
    renderLobby(message.waiting);
  },
  participants(message) {
    for (const p of message.participants) state.names[p.identity] = p.name;
  },
  async answer(message) {
    await state.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
  },
  slot(message) {
    assignSlot(message);
  },
  chat(message) {
    addChat(message);
  },
  muted(message) {
    markMuted(message);
  },
  recording(message) {
    showRecording(message.active);
  },
  consent(message) {
    state.consent = message.recording;
  },
  quality(message) {
    showQuality(message);
  },
  participant_left(message) {
    for (const [mid, slot] of Object.entries(state.slots)) if (slot.publisher === message.identity) assignSlot({ mid, kind: slot.kind, publisher: null });
  },
  screen() {}, // the slot messages already show or hide the shared screen's tile
  captions(message) {
    showCaptions(message.on);
  },
  caption(message) {
    addCaption(message);
  },
  room_closing() {
    $("room-error").textContent = t("room.moving_notice");
  },
  room_closed(message) {
    // The server closes the socket next; its close handler rejoins when the node went away.
    state.moving = REJOIN_REASONS.has(message.reason);
    if (!state.moving) state.inRoom = false;
  },
  async error(message) {
    if (message.code === "screen_busy" || message.code === "no_screen_track") await stopShare(false);
    $("room-error").textContent = message.code === "consent_required" && state.captionsRequested
      ? t("room.captions_need_consent") : message.message;
    state.captionsRequested = false;
  },
};

async function joinMedia() {
  if (state.pc || state.joining) return;
  state.joining = true;
  state.admitted = true;
  setRoomState("in_room");
  $("device-panel").hidden = true;
  $("controls").hidden = false;
  $("chat-text").disabled = false;
  $("chat-form").querySelector("button").disabled = false;
  const pc = new RTCPeerConnection({ iceServers: await iceServers(), bundlePolicy: "max-bundle" });
  state.pc = pc;
  state.camera.stream.getTracks().forEach((track) => pc.addTrack(track, state.camera.stream));
  // The screen-share m-line comes right after the camera's: the server reads the second sent
  // video as the screen. It sends nothing until sharing starts.
  state.screenTx = pc.addTransceiver("video", { direction: "sendonly" });
  for (let i = 0; i < config.slots; i++) {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
  }
  for (let i = 0; i < (config.screen_slots || 0); i++) pc.addTransceiver("video", { direction: "recvonly" });
  preferForwardedCodecs(pc);
  pc.ontrack = (event) => attachTrack(event.transceiver.mid, event.track);
  pc.onicecandidate = (event) => send({ type: "ice", candidate: event.candidate ? event.candidate.toJSON() : null });
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: "offer", sdp: pc.localDescription.sdp });
}

// The server forwards VP8 and Opus as they are: offering only those keeps the SDP of a panel
// room (a dozen m-lines) small, and nobody's browser picks a codec the others cannot get.
function preferForwardedCodecs(pc) {
  const wanted = { video: "video/vp8", audio: "audio/opus" };
  for (const transceiver of pc.getTransceivers()) {
    const kind = transceiver.receiver.track.kind;
    const codecs = (RTCRtpReceiver.getCapabilities(kind) || { codecs: [] }).codecs
      .filter((c) => c.mimeType.toLowerCase() === wanted[kind]);
    if (codecs.length && transceiver.setCodecPreferences) transceiver.setCodecPreferences(codecs);
  }
}

// ------------------------------------------------------------------ media tiles

function tileFor(mid, kind) {
  let tile = document.querySelector(`[data-mid="${mid}"]`);
  if (tile) return tile;
  tile = document.createElement("figure");
  tile.className = "tile remote";
  tile.dataset.mid = mid;
  tile.dataset.kind = kind;
  tile.hidden = true;
  const media = document.createElement(kind === "video" ? "video" : "audio");
  media.autoplay = true;
  media.playsInline = true;
  tile.appendChild(media);
  if (kind === "video") {
    const caption = document.createElement("figcaption");
    caption.innerHTML = '<span class="name"></span> <span class="quality" data-level="unknown"></span> <span class="muted-flag" hidden></span>';
    tile.appendChild(caption);
    $("stage").appendChild(tile);
  } else {
    tile.className = "audio-slot";
    document.body.appendChild(tile);
  }
  return tile;
}

function attachTrack(mid, track) {
  const tile = tileFor(mid, track.kind);
  tile.querySelector(track.kind === "video" ? "video" : "audio").srcObject = new MediaStream([track]);
}

function assignSlot(message) {
  state.slots[message.mid] = message;
  const tile = tileFor(message.mid, message.kind);
  tile.dataset.publisher = message.publisher || "";
  if (message.kind !== "video") return;
  tile.hidden = !message.publisher;
  const screen = message.source === "screen";
  tile.classList.toggle("screen-share", screen);
  tile.dataset.source = message.source || "";
  tile.querySelector(".name").textContent = screen ? t("room.screen_of", { name: message.name || "" })
    : message.role === "companion" ? `${message.name} · ${t("room.companion")}` : (message.name || "");
}

// ------------------------------------------------------------------ screen sharing

async function startShare() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
  } catch (error) {
    $("room-error").textContent = t("room.share_cancelled");
    return;
  }
  const [track] = stream.getVideoTracks();
  state.screen = track;
  track.addEventListener("ended", () => stopShare(true)); // the browser's own "stop sharing" bar
  await state.screenTx.sender.replaceTrack(track);
  $("screen-local").srcObject = stream;
  $("tile-screen-local").hidden = false;
  setShareButton(true);
  send({ type: "mute", source: "screen", muted: false });
}

async function stopShare(notify) {
  if (!state.screen) return;
  const track = state.screen;
  state.screen = null;
  track.stop();
  if (state.screenTx) await state.screenTx.sender.replaceTrack(null);
  $("screen-local").srcObject = null;
  $("tile-screen-local").hidden = true;
  setShareButton(false);
  if (notify) send({ type: "mute", source: "screen", muted: true });
}

function setShareButton(sharing) {
  const button = $("share-screen");
  button.setAttribute("aria-pressed", String(sharing));
  button.textContent = t(sharing ? "room.stop_share" : "room.share_screen");
}

$("share-screen").addEventListener("click", () => (state.screen ? stopShare(true) : startShare()));

// ------------------------------------------------------------------ live captions

function showCaptions(on) {
  state.captionsOn = Boolean(on);
  const notice = $("captions-notice");
  if (notice) notice.hidden = !state.captionsOn;
  const button = $("toggle-captions");
  if (button) {
    button.setAttribute("aria-pressed", String(state.captionsOn));
    button.textContent = t(state.captionsOn ? "room.captions_stop" : "room.captions_start");
  }
  const panel = $("captions-log");
  if (panel && state.captionsOn && !state.captions.length) panel.dataset.empty = "1";
}

function addCaption(message) {
  state.captions.push(message);
  const log = $("captions-log");
  if (!log) return;
  delete log.dataset.empty;
  const li = document.createElement("li");
  const time = document.createElement("span");
  time.className = "muted small";
  const seconds = Math.floor(message.start_s);
  time.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} `;
  li.append(time, message.text);
  log.appendChild(li);
  while (log.children.length > 60) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

if ($("toggle-captions")) {
  $("toggle-captions").addEventListener("click", () => {
    state.captionsRequested = !state.captionsOn;
    send({ type: "captions", on: !state.captionsOn });
  });
}

function markMuted(message) {
  if (message.identity === state.identity && message.source === "microphone") {
    // The server muted us (a companion starts muted): show it and stop sending sound.
    $("toggle-mic").setAttribute("aria-pressed", String(message.muted));
    $("toggle-mic").textContent = t(message.muted ? "room.mic_on" : "room.mic_off");
    state.camera.stream.getAudioTracks().forEach((track) => { track.enabled = !message.muted; });
  }
  for (const tile of document.querySelectorAll(`.tile[data-publisher="${message.identity}"]`)) {
    const flag = tile.querySelector(".muted-flag");
    if (message.source === "camera") tile.classList.toggle("camera-off", message.muted);
    if (message.source === "microphone") { flag.hidden = !message.muted; flag.textContent = t("room.mic_muted"); }
  }
}

function showQuality(message) {
  const label = t(`room.quality_${message.level}`);
  const targets = message.identity === state.identity
    ? [$("quality-self")]
    : [...document.querySelectorAll(`.tile[data-publisher="${message.identity}"] .quality`)];
  for (const node of targets) { node.dataset.level = message.level; node.textContent = label; }
}

function showRecording(active) {
  $("rec-indicator").hidden = !active;
  if (active) $("room-error").textContent = "";
  const start = $("start-recording");
  if (start) { start.hidden = active; $("stop-recording").hidden = !active; }
}

// ------------------------------------------------------------------ lobby, chat, controls

function renderLobby(waiting) {
  const list = $("lobby-list");
  if (!list) return;
  list.replaceChildren();
  if (!waiting.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = t("room.lobby_empty");
    list.appendChild(li);
    return;
  }
  for (const person of waiting) {
    const li = document.createElement("li");
    li.dataset.identity = person.identity;
    const name = document.createElement("span");
    // A room that is never recorded (a centre event's booth) shows no consent in its lobby.
    name.textContent = config.recordable === false ? person.name
      : `${person.name} · ${person.consent ? t("room.consent_yes") : t("room.consent_no")}`;
    const admit = document.createElement("button");
    admit.type = "button"; admit.className = "btn btn-primary"; admit.textContent = t("room.admit");
    admit.addEventListener("click", () => send({ type: "admit", identity: person.identity }));
    const deny = document.createElement("button");
    deny.type = "button"; deny.className = "btn"; deny.textContent = t("room.deny");
    deny.addEventListener("click", () => send({ type: "deny", identity: person.identity }));
    li.append(name, " ", admit, " ", deny);
    list.appendChild(li);
  }
}

function addChat(message) {
  state.chat.push(message);
  const li = document.createElement("li");
  const who = document.createElement("strong");
  who.textContent = message.name;
  li.append(who, `: ${message.text}`);
  $("chat-log").appendChild(li);
  li.scrollIntoView({ block: "nearest" });
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("chat-text").value.trim();
  if (!text) return;
  send({ type: "chat", text });
  $("chat-text").value = "";
});

function toggle(button, source, kind) {
  const muted = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(muted));
  button.textContent = t(muted ? `room.${kind}_on` : `room.${kind}_off`);
  state.camera.stream.getTracks().filter((track) => track.kind === (kind === "camera" ? "video" : "audio"))
    .forEach((track) => { track.enabled = !muted; });
  send({ type: "mute", source, muted });
  if (kind === "camera") $("tile-local").classList.toggle("camera-off", muted);
}
$("toggle-camera").addEventListener("click", () => toggle($("toggle-camera"), "camera", "camera"));
$("toggle-mic").addEventListener("click", () => toggle($("toggle-mic"), "microphone", "mic"));
if ($("start-recording")) {
  $("start-recording").addEventListener("click", () => send({ type: "start_recording" }));
  $("stop-recording").addEventListener("click", () => send({ type: "stop_recording" }));
}

function stopAll() {
  if (state.screen) { state.screen.stop(); state.screen = null; }
  if (state.pc) state.pc.close();
  if (state.camera) state.camera.stop();
}

$("leave-room").addEventListener("click", () => {
  state.left = true;
  send({ type: "leave" });
  stopAll();
  $("controls").hidden = true;
});
window.addEventListener("beforeunload", stopAll);

// Frames decoded per receive slot, from the browser's own stats.
testHook("roomFramesDecoded", async () => {
  const out = {};
  if (!state.pc) return out;
  (await state.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") out[s.mid] = s.framesDecoded || 0; });
  return out;
});

// ------------------------------------------------------------------ private scorecard, saved as you type

const scorecard = $("room-scorecard");
if (scorecard) {
  let timer = 0;
  const save = async () => {
    const scores = {};
    for (const select of scorecard.querySelectorAll("select")) if (select.value) scores[select.name] = Number(select.value);
    await api("PUT", `/api/interviews/invitations/${scorecard.dataset.invitation}/scorecard`,
      { scores, notes: scorecard.elements.notes.value });
    const locale = document.documentElement.lang === "en" ? "en-US" : "ko-KR";
    $("scorecard-saved").textContent = t("room.saved_at", { time: new Date().toLocaleTimeString(locale) });
  };
  scorecard.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(save, 800); });
  scorecard.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(save, 300); });
}
document.body.dataset.roomReady = "1";
