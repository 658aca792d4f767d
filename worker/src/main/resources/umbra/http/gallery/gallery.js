// The live gallery: results arrive as server-sent events from /events; the form posts to /api/prompts.
(function () {
  "use strict";
  const results = document.getElementById("results");
  const template = document.getElementById("card");
  const connection = document.getElementById("connection");
  const form = document.getElementById("submit-form");
  const status = document.getElementById("submit-status");
  const button = document.getElementById("submit");
  const mine = new Set();
  const KEEP = 48;

  function ms(v) { return v >= 1000 ? (v / 1000).toFixed(2) + " s" : Math.round(v) + " ms"; }

  function card(r) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.dataset.requestId = r.request_id;
    if (mine.has(r.request_id)) node.classList.add("mine");
    const pictures = node.querySelector(".pictures");
    for (const image of r.images || []) {
      if (!image.url) continue;
      const img = document.createElement("img");
      img.src = image.url;
      img.alt = (r.prompt || r.request_id) + " (" + image.index + ")";
      img.width = image.width; img.height = image.height;
      pictures.appendChild(img);
    }
    node.querySelector(".prompt").textContent = r.prompt || "(prompt not seen: " + r.request_id + ")";
    const s = node.querySelector(".status");
    s.textContent = r.status; s.classList.add(r.status);
    const t = r.timings || {};
    node.querySelector(".timings").textContent = "end to end " + ms(t.end_to_end_ms || 0) +
        " · prior " + ms(t.prior_ms || 0) + " · decode " + ms(t.decode_ms || 0) + " · batch of " + r.batch_size +
        " · " + r.worker_id;
    if (r.diversity) {
      node.querySelector(".diversity").textContent = "diversity " +
          r.diversity.mean_pairwise_cosine_distance.toFixed(3) + " (Vendi " + r.diversity.vendi_score.toFixed(2) +
          ", " + r.diversity.basis + ")";
    }
    if (r.error_code) node.querySelector(".error").textContent = r.error_code + ": " + (r.error_message || "");
    return node;
  }

  function show(r) {
    const old = results.querySelector('[data-request-id="' + CSS.escape(r.request_id) + '"]');
    if (old) old.remove();
    results.prepend(card(r));
    while (results.children.length > KEEP) results.lastElementChild.remove();
    if (mine.has(r.request_id)) status.textContent = "answered " + r.request_id + ": " + r.status;
  }

  function connect() {
    const events = new EventSource("events");
    events.onopen = () => { connection.textContent = "connected"; };
    events.addEventListener("ready", () => { connection.textContent = "live"; });
    events.onerror = () => { connection.textContent = "reconnecting…"; };
    events.addEventListener("result", (e) => show(JSON.parse(e.data)));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const body = { prompt: form.prompt.value, num_images: Number(form.num_images.value) };
      const response = await fetch("api/prompts", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const answer = await response.json();
      if (!response.ok) { status.textContent = "not sent: " + answer.error; return; }
      mine.add(answer.request_id);
      status.textContent = "sent " + answer.request_id + "; waiting for its picture";
    } catch (err) {
      status.textContent = "not sent: " + err;
    } finally {
      button.disabled = false;
    }
  });

  connect();
})();
