// Report page: timeline markers and transcript words seek the answer's video; deleting;
// reloading while answers are still being analysed.
import { api, pageMessages } from "./app.js";

pageMessages();
const config = JSON.parse(document.getElementById("report-config").textContent);

function seek(target) {
  const article = target.closest("article.answer");
  const video = article && article.querySelector("video");
  if (!video) return;
  const seconds = Number(target.dataset.seek);
  const go = () => { video.currentTime = seconds; video.dispatchEvent(new CustomEvent("untact:seeked", { detail: seconds })); };
  if (video.readyState >= 1) go();
  else video.addEventListener("loadedmetadata", go, { once: true });
  video.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-seek]");
  if (target) seek(target);
});
document.addEventListener("keydown", (event) => {
  const target = event.target.closest && event.target.closest("[data-seek]");
  if (target && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    seek(target);
  }
});

for (const button of document.querySelectorAll("[data-delete]")) {
  button.addEventListener("click", async () => {
    if (!window.confirm(button.dataset.confirm)) return;
    await api("DELETE", button.dataset.delete);
    if (button.dataset.after) location.href = button.dataset.after;
    else location.reload();
  });
}

if (config.pending) {
  const poll = async () => {
    const session = await api("GET", `/api/practice/sessions/${config.session_id}`);
    if (session.answers.every((a) => a.status === "ready" || a.status === "failed")) location.reload();
    else setTimeout(poll, 1500);
  };
  setTimeout(poll, 1500);
}
