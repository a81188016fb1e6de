/*
 * The staff console's FAQ editor: while staff type, the file as it would be is checked on the server with the
 * validator of `chatbot validate` (POST …/check, the session's CSRF token in the form) and the answer is
 * previewed with the widget's own renderer (widget.js loaded with data-mount="false"), so it looks as citizens
 * will see it. Nothing here saves: the form's own submit does, and the server checks everything again.
 */
(function () {
  "use strict";

  const form = document.querySelector("form.editor");
  if (!form) return;
  const check = document.getElementById("check");
  const preview = document.getElementById("preview");
  let timer = null;
  let sent = 0;

  function show(result) {
    const list = document.createElement("ul");
    for (const problem of result.problems) {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = problem.text;
      item.className = problem.severity;
      item.append(code);
      list.append(item);
    }
    const errors = result.problems.filter((p) => p.severity === "error").length;
    const summary = document.createElement("p");
    summary.textContent = errors ? check.dataset.failed : check.dataset.ok;
    summary.className = errors ? "error" : "ok";
    check.replaceChildren(summary, list);
    const answer = result.answer !== null ? result.answer : form.elements.body.value;
    const render = window.YotsukaidoChatbot && window.YotsukaidoChatbot.renderAnswer;
    if (render) preview.replaceChildren(render(answer));
  }

  async function run() {
    const mine = ++sent;
    try {
      const response = await fetch(form.dataset.check, { method: "POST", body: new FormData(form),
                                                         credentials: "same-origin" });
      if (response.ok && mine === sent) show(await response.json());
    } catch (e) { /* offline for a moment: the next keystroke checks again, and saving checks anyway */ }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 500);
  });
  run();
})();
