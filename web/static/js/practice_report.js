// Report page: timeline markers and transcript words seek the answer's video (player.js);
// deleting; reloading while answers are still being analysed.
import { api } from "./app.js";
import { wirePlayers } from "./player.js";

const config = JSON.parse(document.getElementById("report-config").textContent);
wirePlayers();

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
