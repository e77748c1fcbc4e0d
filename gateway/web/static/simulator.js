// The demo's simulator: resident text is only ever set with textContent, never as HTML.
(function () {
  const form = document.getElementById("resident");
  const sender = document.getElementById("sender");
  const text = document.getElementById("text");
  const thread = document.getElementById("thread");
  const error = document.getElementById("error");
  let mine = [];       // what this resident wrote, in order
  let call = null;     // the phone call in progress: {call_sid, gather, redirect, record, if_silent}
  let seen = 0;

  function channel() { return form.querySelector("input[name=channel]:checked").value; }

  function line(who, words) {
    const item = document.createElement("li");
    item.className = who === "vous" ? "thread__line bold" : "thread__line";
    item.dataset.who = who;
    item.textContent = (who === "vous" ? "Vous : " : "Mairie : ") + words;
    thread.appendChild(item);
  }

  function reset() {
    thread.replaceChildren(); mine = []; seen = 0; call = null;
  }

  form.querySelectorAll("input[name=channel]").forEach((radio) => radio.addEventListener("change", () => {
    sender.value = radio.dataset.sender; reset();
  }));
  sender.addEventListener("change", reset);

  async function post(url, body) {
    const response = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                       body: JSON.stringify(body)});
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      if (channel() === "voice") {
        const move = call ? {call_sid: call.call_sid, gather: call.gather, redirect: call.redirect, record: call.record,
                             if_silent: call.if_silent, input: text.value} : {};
        if (call) line("vous", text.value || "(silence)"); else line("vous", "(appelle la mairie)");
        const step = await post("/simulateur/appel", {caller: sender.value, ...move});
        step.says.forEach((said) => line("mairie", said));
        call = step.ended ? null : step;
      } else {
        const body = {channel: channel(), sender: sender.value, text: text.value,
                      lat: document.getElementById("lat").value, lon: document.getElementById("lon").value};
        await post("/simulateur/envoyer", body);
        line("vous", text.value || "(position partagée)");
      }
      text.value = "";
    } catch (failure) {
      error.textContent = failure.message; error.hidden = false;
    }
  });

  document.getElementById("hangup").addEventListener("click", async () => {
    const ended = call; call = null; line("vous", "(raccroche)");
    if (ended) {
      try { await post("/simulateur/raccrocher", {caller: sender.value, call_sid: ended.call_sid}); }
      catch (failure) { error.textContent = failure.message; error.style.display = ""; }
    }
  });

  async function poll() {
    if (channel() !== "voice" || !call) {
      try {
        const response = await fetch(`/simulateur/fil?channel=${encodeURIComponent(channel())}&sender=${encodeURIComponent(sender.value)}`);
        const data = await response.json();
        data.messages.slice(seen).forEach((message) => line("mairie", message));
        seen = data.messages.length;
      } catch (ignored) { /* the demo restarts: try again at the next tick */ }
    }
    setTimeout(poll, 1000);
  }
  poll();
})();
