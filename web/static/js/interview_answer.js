// One-way interview add-ons to the answer runner (practice_run.js): the employer's intro
// video is shown before the first question and paused once the questions begin; the closing
// message appears after the last answer.
const introCard = document.getElementById("intro-video-card");
const introVideo = document.getElementById("intro-video");
const closing = document.getElementById("closing-message");

function putIntroAway() {
  if (introVideo) introVideo.pause();
  if (introCard) introCard.hidden = true;
}

document.addEventListener("runner:step", (event) => {
  if (event.detail.step === "interview") putIntroAway();
});
document.addEventListener("runner:recording", putIntroAway);
document.addEventListener("runner:finished", () => {
  if (closing && closing.hidden) closing.hidden = false;
});
