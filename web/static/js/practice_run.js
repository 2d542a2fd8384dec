// The mock-interview runner: device check with a media-server connection test, consent,
// then each question: think time, a timed answer recorded by the server over WebRTC,
// live nudges, retakes, and the analysis result a few seconds after each answer.
// Recorded one-way interviews run the same page script: their config names the socket
// (`ws_url`), the consent endpoint (`consent_url`) and per-question retakes (`retakes`).
import { api, format, iceServers, pageMessages, testHook } from "./app.js";
import { describeMediaError, openCamera } from "./media_check.js";
import { Signalling, socketUrl } from "./signalling.js";

const messages = pageMessages();
const t = (key, params) => format(messages[key] || key, params);
const config = JSON.parse(document.getElementById("practice-config").textContent);
const questionTexts = JSON.parse(document.getElementById("practice-questions").textContent);
const timing = JSON.parse(document.getElementById("practice-timing").textContent);
const $ = (id) => document.getElementById(id);

const state = {
  camera: null, pc: null, ws: null, index: 0, phase: "idle", timer: 0,
  attempts: Object.fromEntries(Object.entries(config.attempts || {}).map(([k, v]) => [Number(k), v])),
  answerId: null, connected: false, nudges: [],
};
testHook("practiceState", state);

// Page add-ons (the one-way interview's intro video and closing message) follow the runner
// through these events instead of being wired into it.
function announce(name, detail = {}) {
  document.dispatchEvent(new CustomEvent(`runner:${name}`, { detail }));
}

function showStep(step) {
  for (const name of ["devices", "consent", "interview"]) {
    $(`step-${name}`).hidden = name !== step;
    const item = document.querySelector(`.stepper [data-step="${name}"]`);
    if (name === step) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
  announce("step", { step });
}

function setText(id, text, stateName) {
  const node = $(id);
  node.textContent = text;
  if (stateName) node.dataset.state = stateName;
}

// ------------------------------------------------------------------ signalling

function send(message) {
  if (state.ws) state.ws.send(message);
}

function openSocket() {
  return new Promise((resolve, reject) => {
    state.ws = new Signalling(socketUrl(config.ws_url || `/ws/practice/${config.session_id}`, config.ws_token ? { token: config.ws_token } : {}), serverMessages, {
      open: resolve,
      error: () => reject(new Error("socket")),
      close: () => {
        if (state.connected) setText("answer-status", t("practice.connection_failed", { reason: t("practice.reason_socket") }), "error");
        state.connected = false;
      },
    });
  });
}

let answerWaiter = null;

const serverMessages = {
  async answer(message) {
    await state.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
    if (answerWaiter) answerWaiter();
  },
  answer_started(message) {
    state.answerId = message.answer_id;
    state.attempts[config.questions[state.index]] = message.attempt;
    beginAnswerPhase(message.answer_limit_s);
  },
  answer_stopped(message) {
    endAnswerPhase();
    setText("answer-status", message.partial ? t("practice.partial_saved") : t("practice.analyzing"), "analyzing");
    showAfterAnswerButtons();
  },
  report_ready(message) {
    // A report of an earlier answer can arrive while the next question is on screen: the
    // status line belongs to the answer shown, so only that answer's report goes there.
    if (message.answer_id === state.answerId && state.phase === "done") {
      setText("answer-status", t("practice.analysis_ready", { score: message.overall ?? "–" }), "ready");
    }
  },
  nudge(message) {
    showNudge(message.kind, message.message);
  },
  error(message) {
    if (message.code === "server_busy" && state.phase === "starting") {
      retryWhenFree(message.retry_after_s);
      return;
    }
    if (message.code === "analysis_delayed") {
      if (state.phase === "done") setText("answer-status", t("practice.analysis_delayed"), "delayed");
    }
    else setText("answer-status", message.message, "error");
    if (state.phase === "starting") { state.phase = "idle"; showAfterAnswerButtons(); }
  },
};

async function connectMedia() {
  setText("connection-status", t("practice.connection_testing"), "testing");
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 15000));
  try {
    await Promise.race([openSocket(), timeout]);
  } catch (error) {
    throw new Error(error.message === "timeout" ? "timeout" : "socket");
  }
  const pc = new RTCPeerConnection({ iceServers: await iceServers() });
  state.pc = pc;
  state.camera.stream.getTracks().forEach((track) => pc.addTrack(track, state.camera.stream));
  pc.onicecandidate = (event) => send({ type: "ice", candidate: event.candidate ? event.candidate.toJSON() : null });
  const connected = new Promise((resolve, reject) => {
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") resolve();
      if (pc.connectionState === "failed") reject(new Error("timeout"));
    };
  });
  const answered = new Promise((resolve) => { answerWaiter = resolve; });
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: "offer", sdp: pc.localDescription.sdp });
  await Promise.race([Promise.all([answered, connected]), timeout]);
  state.connected = true;
}

// ------------------------------------------------------------------ step 1: devices

$("devices-start").addEventListener("click", async () => {
  $("devices-start").disabled = true;
  setText("device-status", t("devices.status_asking"), "asking");
  try {
    state.camera = await openCamera($("preview"), $("mic-level"));
  } catch (error) {
    setText("device-status", describeMediaError(error, t), "error");
    setText("connection-status", t("practice.connection_failed", { reason: t("practice.reason_media") }), "error");
    $("devices-start").disabled = false;
    return;
  }
  const settings = state.camera.stream.getVideoTracks()[0]?.getSettings() || {};
  setText("device-status", t("devices.status_ok", { width: settings.width || "?", height: settings.height || "?" }), "ok");
  try {
    await connectMedia();
  } catch (error) {
    const reason = error.message === "socket" ? t("practice.reason_socket") : t("practice.reason_timeout");
    setText("connection-status", t("practice.connection_failed", { reason }), "error");
    $("devices-start").disabled = false;
    return;
  }
  setText("connection-status", t("practice.connection_ok"), "ok");
  $("devices-continue").disabled = false;
  $("devices-continue").focus();
});

$("devices-continue").addEventListener("click", () => {
  if (config.consent_granted) startInterview();
  else showStep("consent");
});

// ------------------------------------------------------------------ step 2: consent

$("consent-check").addEventListener("change", (event) => { $("consent-agree").disabled = !event.target.checked; });
$("consent-agree").addEventListener("click", async () => {
  await api("POST", config.consent_url || "/api/practice/consent", { version: config.consent_version });
  config.consent_granted = true;
  startInterview();
});

// ------------------------------------------------------------------ step 3: interview

function startInterview() {
  showStep("interview");
  const firstOpen = config.questions.findIndex((id) => !state.attempts[id]);
  if (firstOpen === -1 && config.answered_stay_answered) { showAllAnswered(); return; }
  showQuestion(firstOpen === -1 ? 0 : firstOpen);
}

function showAllAnswered() {
  state.index = config.questions.length - 1;
  hideButtons();
  setText("question-counter", "");
  setText("question-text", config.all_answered_text || "");
  setText("answer-status", "");
  $("finish").hidden = false;
  announce("finished");
}

function hideButtons() {
  for (const id of ["start-now", "stop-answer", "retake", "next-question", "finish"]) $(id).hidden = true;
}

function showQuestion(index) {
  state.index = index;
  state.answerId = null;
  hideButtons();
  setText("question-counter", t("practice.question_of", { n: index + 1, total: config.questions.length }));
  setText("question-text", questionTexts[index]);
  setText("answer-status", "");
  beginThinkPhase(timing.think[index]);
}

function runTimer(seconds, onTick, onDone) {
  clearInterval(state.timer);
  const end = performance.now() + seconds * 1000;
  const tick = () => {
    const left = Math.max(0, (end - performance.now()) / 1000);
    onTick(left);
    if (left <= 0) { clearInterval(state.timer); onDone(); }
  };
  tick();
  state.timer = setInterval(tick, 200);
}

function showTime(left, total) {
  setText("timer", t("practice.seconds", { s: Math.ceil(left) }));
  $("timer-bar").value = total ? 1 - left / total : 0;
}

function beginThinkPhase(seconds) {
  state.phase = "think";
  setText("phase-label", t("practice.think_phase"));
  $("start-now").hidden = false;
  runTimer(seconds, (left) => showTime(left, seconds), requestAnswer);
}

function requestAnswer() {
  if (state.phase !== "think") return;
  clearInterval(state.timer);
  state.phase = "starting";
  hideButtons();
  send({ type: "start_answer", question_id: config.questions[state.index] });
}

// The node records as many answers at once as it can keep whole; past that it answers
// `server_busy` with a wait, and the page shows the wait and asks again.
function retryWhenFree(retryAfterS) {
  const wait = Math.max(1, Math.min(120, Number(retryAfterS) || 10));
  runTimer(
    wait,
    (left) => setText("answer-status", t("practice.server_busy_wait", { s: Math.ceil(left) }), "waiting"),
    () => {
      if (state.phase !== "starting") return;
      setText("answer-status", "", "starting");
      send({ type: "start_answer", question_id: config.questions[state.index] });
    },
  );
}

function beginAnswerPhase(limit) {
  state.phase = "answer";
  announce("recording");
  setText("phase-label", t("practice.answer_phase"));
  $("rec-indicator").hidden = false;
  $("stop-answer").hidden = false;
  $("stop-answer").focus();
  runTimer(limit, (left) => showTime(left, limit), stopAnswer);
}

function stopAnswer() {
  if (state.phase !== "answer") return;
  clearInterval(state.timer);
  state.phase = "saving";
  $("stop-answer").hidden = true;
  setText("answer-status", t("practice.saving"), "saving");
  send({ type: "stop_answer" });
}

function endAnswerPhase() {
  clearInterval(state.timer);
  state.phase = "done";
  $("rec-indicator").hidden = true;
  setText("phase-label", "");
  setText("timer", "");
}

function showAfterAnswerButtons() {
  const id = config.questions[state.index];
  const retakes = config.retakes ? config.retakes[state.index] : config.max_retakes;
  const left = retakes + 1 - (state.attempts[id] || 0);
  if (left > 0) {
    $("retake").textContent = t("practice.retake", { left });
    $("retake").hidden = false;
  }
  const last = state.index === config.questions.length - 1;
  $("next-question").hidden = last;
  $("finish").hidden = !last;
  if (last) announce("finished");
}

function showNudge(kind, text) {
  const box = $("nudge");
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
  state.nudges.push(kind);
  clearTimeout(box._hide);
  box._hide = setTimeout(() => { box.hidden = true; }, 4000);
}

$("start-now").addEventListener("click", requestAnswer);
$("stop-answer").addEventListener("click", stopAnswer);
$("retake").addEventListener("click", () => showQuestion(state.index));
$("next-question").addEventListener("click", () => showQuestion(state.index + 1));
$("nudges-toggle").addEventListener("change", (event) => send({ type: "set_nudges", enabled: event.target.checked }));
$("read-aloud").addEventListener("click", () => {
  if (!("speechSynthesis" in window)) return;
  const utterance = new SpeechSynthesisUtterance(questionTexts[state.index]);
  utterance.lang = config.language === "en" ? "en-US" : "ko-KR";
  speechSynthesis.cancel();
  speechSynthesis.speak(utterance);
});
window.addEventListener("beforeunload", () => { if (state.pc) state.pc.close(); });
