// FAQ admin: follows a running publication. On a topic page it polls the topic until its
// publishing version is live (or failed back to review) and then reloads; on a publication
// page it shows the training progress until the publication is live or failed. The test
// box follows its test model's training, and asks again while that model is loading.
(function () {
  const poll = async (url) => {
    const response = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
    return response.ok ? response.json() : null;
  };
  const show = (box, publication) => {
    if (!publication) return;
    const bar = box.querySelector("progress");
    const stage = box.querySelector(".stage");
    if (bar) bar.value = publication.percent;
    // The server's stage names are technical; the page words them in the reader's language.
    const label = publication.state === "loading" ? box.dataset.loading : box.dataset.training;
    if (stage && label) stage.textContent = label.replace("{percent}", Math.round(publication.percent));
  };

  const topicBox = document.getElementById("publishing");
  if (topicBox) {
    const slug = topicBox.dataset.topic;
    const tick = async () => {
      const topic = await poll(`/api/faq/topics/${slug}`);
      if (topic && !topic.publishing) { window.location.replace(`/admin/faq/${slug}`); return; }
      const list = await poll("/api/faq/publications?limit=1");
      if (list && list.publications.length) show(topicBox, list.publications[0]);
      setTimeout(tick, 1000);
    };
    tick();
  }

  const publicationBox = document.getElementById("publication");
  if (publicationBox) {
    const id = publicationBox.dataset.publication;
    const tick = async () => {
      const publication = await poll(`/api/faq/publications/${id}`);
      show(publicationBox, publication);
      if (publication && (publication.state === "live" || publication.state === "failed")) {
        window.location.reload();
        return;
      }
      setTimeout(tick, 1000);
    };
    const state = publicationBox.querySelector(".state");
    if (state && !state.classList.contains("live") && !state.classList.contains("failed")) tick();
  }

  const candidate = document.getElementById("candidate");
  if (candidate && candidate.dataset.state === "loading") setTimeout(() => window.location.reload(), 3000);
  if (candidate && ["queued", "training"].includes(candidate.dataset.state)) {
    const tick = async () => {
      const status = await poll("/api/faq/candidate");
      if (status && !["queued", "training"].includes(status.state)) { window.location.reload(); return; }
      if (status && status.state === "training") {
        const bar = candidate.querySelector("progress");
        const stage = candidate.querySelector(".stage");
        if (bar) bar.value = status.percent;
        if (stage) stage.textContent = candidate.dataset.training.replace("{percent}", Math.round(status.percent));
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
