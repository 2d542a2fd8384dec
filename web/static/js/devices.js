// Device check: camera preview and a live microphone level meter.
import { format, pageMessages } from "./app.js";
import { describeMediaError, openCamera } from "./media_check.js";

const messages = pageMessages();
const t = (key, params) => format(messages[key] || key, params);

const video = document.getElementById("preview");
const meter = document.getElementById("mic-level");
const status = document.getElementById("device-status");
const startButton = document.getElementById("devices-start");
const stopButton = document.getElementById("devices-stop");
let camera = null;

function setStatus(text, state) {
  status.textContent = text;
  status.dataset.state = state;
}

startButton.addEventListener("click", async () => {
  if (!window.isSecureContext || !navigator.mediaDevices) {
    setStatus(t("devices.status_insecure"), "error");
    return;
  }
  setStatus(t("devices.status_asking"), "asking");
  try {
    camera = await openCamera(video, meter);
  } catch (error) {
    setStatus(describeMediaError(error, t), "error");
    return;
  }
  const settings = camera.stream.getVideoTracks()[0]?.getSettings() || {};
  setStatus(t("devices.status_ok", { width: settings.width || "?", height: settings.height || "?" }), "ok");
  startButton.disabled = true;
  stopButton.disabled = false;
});

stopButton.addEventListener("click", () => {
  if (camera) camera.stop();
  camera = null;
  video.srcObject = null;
  setStatus(t("devices.status_idle"), "idle");
  startButton.disabled = false;
  stopButton.disabled = true;
});
