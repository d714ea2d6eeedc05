// Live updates for the agent console: the server sends "update" when the queue or the open
// conversation changed; the page then fetches itself and swaps in the new #live section
// (unless the agent is typing a reply).
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const showLatest = () => {
    const transcript = live.querySelector(".transcript");
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
  };
  showLatest();
  if (!window.EventSource) return;
  const source = new EventSource(live.dataset.events);
  source.addEventListener("update", async () => {
    const typing = document.activeElement && document.activeElement.tagName === "TEXTAREA";
    if (typing) return;
    const response = await fetch(window.location.href, {credentials: "same-origin"});
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("live");
    if (fresh) { live.innerHTML = fresh.innerHTML; showLatest(); }
  });
})();
