// A booth's room at a centre event, beside the interview room's own script: the host's queue of
// the day (admit the next from the lobby, finish with a result or mark absent, run late) and the
// seeker's place in the queue, both refreshed every few seconds from the server.
import { api, format, pageMessages } from "./app.js";

const messages = pageMessages();
const t = (key, params) => format(messages[`booth_room.${key}`] || key, params);
const config = JSON.parse(document.getElementById("room-config").textContent);
const $ = (id) => document.getElementById(id);
const locale = document.documentElement.lang === "en" ? "en-US" : "ko-KR";
const clock = (iso) => new Date(iso).toLocaleTimeString(locale, {
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.zone || "Asia/Seoul",
});
const REFRESH_MS = 3000;

function button(label, className, onClick) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = className;
  node.textContent = label;
  node.addEventListener("click", onClick);
  return node;
}

// A result chosen but not yet sent survives the queue's refresh.
const chosen = {};
let shown = "";

function resultSelect(bookingId, current) {
  const select = document.createElement("select");
  select.addEventListener("change", () => { chosen[bookingId] = select.value; });
  select.setAttribute("aria-label", t("result"));
  for (const value of ["", "pass", "hold", "fail"]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value ? t(`result_${value}`) : t("result_none");
    option.selected = value === (chosen[bookingId] ?? current ?? "");
    select.appendChild(option);
  }
  return select;
}

// ------------------------------------------------------------------ the host's queue

async function act(method, url, body) {
  $("queue-error").textContent = "";
  try {
    await api(method, url, body);
  } catch (error) {
    $("queue-error").textContent = error.message;
  }
  await loadQueue();
}

function renderQueue(queue) {
  const json = JSON.stringify(queue);
  if (json === shown) return; // nothing changed: leave the host's controls as they are
  shown = json;
  const list = $("booth-queue");
  list.replaceChildren();
  if (!queue.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = t("queue_empty");
    list.appendChild(li);
    return;
  }
  for (const item of queue) {
    const li = document.createElement("li");
    li.dataset.testid = `queue-${item.seeker.name}`;
    li.dataset.state = item.state;
    const head = document.createElement("p");
    const time = document.createElement("strong");
    time.textContent = `${clock(item.starts_at)}–${clock(item.ends_at)}`;
    const state = document.createElement("span");
    state.className = "status-badge";
    state.textContent = item.rank === 1 ? t("next") : t(`state_${item.state}`);
    head.append(time, ` ${item.seeker.name} `, state);
    if (item.delay_min) head.append(` · ${t("delayed", { minutes: item.delay_min })}`);
    li.appendChild(head);
    const actions = document.createElement("p");
    actions.className = "actions";
    const url = `/api/events/bookings/${item.booking_id}`;
    if (item.state === "waiting" || item.state === "shown") {
      const select = resultSelect(item.booking_id, null);
      actions.append(select, button(t("finish"), "btn btn-primary", () => {
        delete chosen[item.booking_id];
        act("POST", `${url}/outcome`, { outcome: "held", result: select.value || null });
      }));
      actions.append(button(t("no_show"), "btn", () => act("POST", `${url}/outcome`, { outcome: "no_show" })));
    } else if (item.state === "held") {
      const select = resultSelect(item.booking_id, item.result);
      actions.append(select, button(t("save_result"), "btn", () => {
        delete chosen[item.booking_id];
        if (select.value) act("POST", `${url}/result`, { result: select.value });
      }));
      if (item.result) {
        const done = document.createElement("span");
        done.dataset.testid = "result";
        done.textContent = `${t("result")}: ${t(`result_${item.result}`)}`;
        actions.append(" ", done);
      }
    }
    li.appendChild(actions);
    list.appendChild(li);
  }
}

async function loadQueue() {
  try {
    const data = await api("GET", `/api/events/booths/${config.booth_id}/queue`);
    renderQueue(data.queue);
  } catch (error) {
    $("queue-error").textContent = error.message;
  }
}

if (config.seat === "host") {
  loadQueue();
  setInterval(loadQueue, REFRESH_MS);
  $("late-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const minutes = Number($("late-minutes").value);
    try {
      const data = await api("POST", `/api/events/booths/${config.booth_id}/delay`, { minutes });
      $("late-status").textContent = t("late_done", { n: data.moved.length, minutes });
    } catch (error) {
      $("late-status").textContent = error.message;
    }
    await loadQueue();
  });
}

// ------------------------------------------------------------------ the seeker's place

async function loadTurn() {
  let turn;
  try {
    turn = await api("GET", `/api/events/booths/${config.booth_id}/my-turn`);
  } catch (error) {
    $("my-rank").textContent = error.message;
    return;
  }
  const rank = $("my-rank");
  rank.dataset.rank = turn.rank || "";
  rank.dataset.state = turn.state;
  rank.textContent = turn.state === "held" ? t("done_held") : turn.state === "no_show" ? t("done_no_show")
    : turn.rank === 1 ? t("rank_now") : t("rank", { rank: turn.rank });
  let when = t("my_time", { time: `${clock(turn.starts_at)}–${clock(turn.ends_at)}` });
  if (turn.delay_min) when += ` · ${t("delayed", { minutes: turn.delay_min })}`;
  $("my-time").textContent = when;
}

if (config.seat === "guest") {
  loadTurn();
  setInterval(loadTurn, REFRESH_MS);
}
