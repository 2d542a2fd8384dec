// One seek-and-highlight for every page with recorded answers (practice report, review,
// one-way interview review): anything with data-seek (comment markers, comments, timeline
// markers, transcript words) seeks its answer's video, the one in its <article class="answer">
// or the one named by data-video; data-play starts it playing there. While a video plays, the
// current word and the comments whose time range covers the playhead are highlighted.

function videoFor(target) {
  if (target.dataset.video) return document.getElementById(target.dataset.video);
  const article = target.closest("article.answer");
  return article ? article.querySelector("video") : null;
}

export function seek(target) {
  const video = videoFor(target);
  if (!video) return;
  const seconds = Number(target.dataset.seek);
  const go = () => {
    video.currentTime = seconds;
    video.dispatchEvent(new CustomEvent("untact:seeked", { detail: seconds }));
    if ("play" in target.dataset) video.play().catch(() => {});
  };
  if (video.readyState >= 1) go();
  else {
    video.addEventListener("loadedmetadata", go, { once: true });
    video.load();
  }
  video.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function clock(seconds) {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function syncArticle(article) {
  const video = article.querySelector("video");
  if (!video) return;
  const words = [...article.querySelectorAll(".transcript .word")];
  const starts = words.map((w) => Number(w.dataset.seek));
  const comments = [...article.querySelectorAll("li.comment")].map((li) => {
    const button = li.querySelector("[data-seek]");
    return { li, start: Number(button.dataset.seek) };
  });
  const playhead = article.querySelector("[data-playhead]");
  let current = null;
  const update = () => {
    const t = video.currentTime;
    if (playhead) playhead.textContent = clock(t);
    let index = -1;
    for (let i = 0; i < starts.length && starts[i] <= t + 0.05; i += 1) index = i;
    const word = index >= 0 ? words[index] : null;
    if (word !== current) {
      if (current) current.classList.remove("playing");
      if (word) word.classList.add("playing");
      current = word;
    }
    for (const c of comments) {
      const end = Number(c.li.dataset.end || c.start);
      c.li.classList.toggle("active", t >= c.start - 0.05 && t <= Math.max(end, c.start + 1));
    }
  };
  video.addEventListener("timeupdate", update);
  video.addEventListener("seeked", update);
  video.addEventListener("untact:seeked", update);
}

export function wirePlayers() {
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-seek]");
    if (target) seek(target);
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target.closest && event.target.closest("[data-seek]");
    if (target && target.tagName !== "BUTTON" && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      seek(target);
    }
  });
  for (const article of document.querySelectorAll("article.answer")) syncArticle(article);
}
