// The site menu folds behind a "메뉴" button on phone-sized screens (below 768 px). Without
// this script the menu simply stays open, so every link is reachable either way.
const topbar = document.querySelector(".topbar");
const toggle = topbar && topbar.querySelector(".menu-toggle");
if (topbar && toggle) {
  topbar.classList.add("menu-collapsible");
  const setOpen = (open) => {
    topbar.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => setOpen(!topbar.classList.contains("menu-open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && topbar.classList.contains("menu-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}
