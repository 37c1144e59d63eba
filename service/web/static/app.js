// factcheck page: calls the service's own API (same origin) and renders its answers. No dependencies.
"use strict";

const VERDICT_WORDS = {
  SUPPORTED: "Supported",
  REFUTED: "Refuted",
  CONFLICTING: "Conflicting evidence",
  NOT_ENOUGH_INFO: "Not enough information",
};
const STANCE_GROUPS = [
  ["supports", "Supporting evidence"],
  ["refutes", "Refuting evidence"],
  ["neutral", "Related, neither supports nor refutes"],
];
const FIELD_OF = {
  claim: { claim: "claim", language: "claim-language", top_k: "claim-top-k" },
  article: {
    text: "article-text", html: "article-text", max_claims: "article-max-claims",
    published: "article-published", file: "article-file",
  },
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function percent(x) {
  return `${Math.round(x * 100)}%`;
}

function verdictBadge(verdict, confidence) {
  const words = VERDICT_WORDS[verdict] || verdict;
  const label = confidence === undefined ? words : `${words}, confidence ${percent(confidence)}`;
  return el("span", { class: `verdict ${verdict}`, "data-verdict": verdict, title: label }, words);
}

// ---- errors and busy state ---------------------------------------------------------------------------

function clearErrors(form) {
  for (const p of document.querySelectorAll(".error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showError(mode, error, keepResults = false) {
  const loc = (error.errors && error.errors[0] && error.errors[0].loc) || null;
  const fieldId = loc ? FIELD_OF[mode][String(loc).split(".")[0]] : null;
  const input = fieldId ? document.getElementById(fieldId) : null;
  const target = input ? document.getElementById(`${fieldId}-error`) : document.getElementById("general-error");
  target.textContent = error.error || "Something went wrong.";
  target.hidden = false;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
  if (!keepResults) setResults(el("p", { class: "placeholder" }, "No result: see the message above."));
}

function setBusy(button, busy, idleText) {
  const results = document.getElementById("results");
  results.setAttribute("aria-busy", busy ? "true" : "false");
  button.disabled = busy;
  button.textContent = busy ? "Checking…" : idleText;
  if (busy) results.replaceChildren();
}

function setResults(...nodes) {
  document.getElementById("results").replaceChildren(...nodes);
}

async function callApi(path, body) {
  const headers = { "content-type": "application/json" };
  const token = document.getElementById("token").value.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  } catch (err) {
    throw { error: "The service cannot be reached. Is it running?", errors: [] };
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (err) {
    payload = null;
  }
  if (!response.ok) {
    throw payload && payload.error ? payload : { error: `The service answered ${response.status}.`, errors: [] };
  }
  return payload;
}

// ---- claim results ---------------------------------------------------------------------------------

// The API's offsets count code points (Python), JavaScript strings UTF-16 units: slice by code points.
function codePoints(text) {
  return Array.from(text);
}

function cut(points, start, end) {
  return points.slice(start, end).join("");
}

function passageWithSentence(ev) {
  const points = codePoints(ev.text);
  const start = Math.max(0, ev.sentence.start - ev.start);
  const end = Math.min(points.length, ev.sentence.end - ev.start);
  return el("p", { class: "passage" }, cut(points, 0, start), el("mark", {}, cut(points, start, end)),
    cut(points, end));
}

function evidenceCard(ev) {
  const title = ev.title || ev.document_id;
  const heading = ev.url ? el("a", { href: ev.url, rel: "noopener noreferrer" }, title) : el("span", {}, title);
  // a title is a link when its document came with a URL; say so when it did not, or it looks broken
  const noUrl = ev.url ? "" : " · no link: the document has no URL in the corpus";
  const stanceWords = { supports: "Supports", refutes: "Refutes", neutral: "Neutral" }[ev.stance.label];
  const probability = ev.stance.label === "refutes" ? ev.stance.refutes
    : ev.stance.label === "supports" ? ev.stance.supports : ev.stance.neutral;
  return el("article", { class: `card ${ev.stance.label}`, "data-stance": ev.stance.label },
    el("h4", { class: "card-title" }, heading),
    el("p", { class: "meta" },
      el("span", { class: "stance" }, `${stanceWords} (${percent(probability)})`),
      ` · language ${ev.language || "unknown"}`,
      ev.published ? ` · ${ev.published}` : "",
      noUrl),
    passageWithSentence(ev),
    ev.consistency.mismatches.length
      ? el("p", { class: "differs" }, `Differs: ${ev.consistency.mismatches.join("; ")}`) : null);
}

const RATING_WORDS = {
  false: "false", mostly_false: "mostly false", mixed: "mixed", mostly_true: "mostly true", true: "true",
  unverifiable: "unverifiable", other: "",
};

// published fact-checks of the same claim: their publishers' ratings, shown apart from our verdict
function priorBox(matches, headingLevel) {
  if (!matches || !matches.length) return null;
  const level = headingLevel === "h2" ? "h3" : "h4";
  return el("section", { class: "prior", "aria-label": "Already fact-checked" },
    el(level, {}, "Already fact-checked"),
    el("ul", {}, matches.map((m) => {
      const who = m.publisher || "A fact-checker";
      const scale = RATING_WORDS[m.rating_class];
      const rating = m.rating || scale || "rated";
      const link = m.url ? el("a", { href: m.url, rel: "noopener noreferrer" }, m.title || "the fact-check") : null;
      return el("li", { class: `prior-item ${m.rating_class}`, "data-rating-class": m.rating_class },
        el("p", {}, `${who} rated a matching claim `,
          el("strong", { class: "rating" }, rating),
          scale && m.rating && scale !== m.rating.toLowerCase() ? ` (${scale})` : "",
          m.published ? ` on ${m.published}` : "",
          link ? ": " : "", link),
        el("p", { class: "note" }, `Their claim: ${m.claim}`));
    })),
    el("p", { class: "note" }, "Their ratings are their own; the verdict above rests on the reference corpus."));
}

function claimResult(result, headingLevel = "h2") {
  const groups = STANCE_GROUPS.map(([stance, title]) => {
    const items = result.evidence.filter((ev) => ev.stance.label === stance);
    if (!items.length) return null;
    return el("section", { class: `group ${stance}`, "aria-label": title },
      el("h3", {}, `${title} (${items.length})`), items.map(evidenceCard));
  }).filter(Boolean);
  return el("div", { class: "claim-result" },
    el(headingLevel, { class: "verdict-line" }, verdictBadge(result.verdict, result.confidence),
      el("span", { class: "confidence" }, `confidence ${percent(result.confidence)}`)),
    el("p", {}, "Claim: ", el("span", { class: "claim-text" }, result.claim)),
    priorBox(result.prior_fact_checks, headingLevel),
    result.evidence.length ? el("div", { class: "groups" }, groups)
      : el("p", { class: "note" }, "No evidence found in the reference corpus."));
}

async function checkClaim(event) {
  event.preventDefault();
  const form = event.target;
  const button = document.getElementById("claim-submit");
  clearErrors(form);
  const claim = document.getElementById("claim").value;
  const language = document.getElementById("claim-language").value || null;
  const topK = Number.parseInt(document.getElementById("claim-top-k").value, 10);
  setBusy(button, true, "Check claim");
  try {
    const result = await callApi("/v1/claims/verify", {
      claim, language, top_k: Number.isNaN(topK) ? null : topK,
    });
    setResults(claimResult(result));
  } catch (error) {
    showError("claim", error);
  } finally {
    setBusy(button, false, "Check claim");
  }
}

// ---- article results -------------------------------------------------------------------------------

let lastReport = null;

function download(name, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

async function downloadClaimReview() {
  try {
    download("claimreview.jsonld", await callApi("/v1/articles/claimreview", lastReport));
  } catch (error) {
    showError("article", { ...error, errors: [] }, true);
  }
}

function selectClaim(report, index, event) {
  if (event) event.preventDefault();
  const fromText = Boolean(event);
  for (const node of document.querySelectorAll("[data-claim]")) {
    const chosen = node.dataset.claim === String(index);
    if (node.tagName === "A") {
      if (chosen) node.setAttribute("aria-current", "true");
      else node.removeAttribute("aria-current");
    } else {
      node.setAttribute("aria-pressed", chosen ? "true" : "false");
    }
  }
  const claim = report.claims[index];
  const detail = document.getElementById("claim-detail");
  const origin = claim.speaker ? ` · said by ${claim.speaker}${claim.quote ? " (quotation)" : ""}` : "";
  const span = document.querySelector(`.article-body [data-claim="${index}"]`);
  // back where the reader was: keyboard users land on the claim they came from, in the text
  const back = fromText && span ? el("button", {
    type: "button", class: "link", onclick: () => { span.focus(); span.scrollIntoView({ block: "center" }); },
  }, "Back to this claim in the text") : null;
  detail.replaceChildren(
    el("h2", { tabindex: "-1", id: "claim-detail-heading" }, `Claim ${index + 1}`),
    el("p", { class: "meta" }, `From sentence ${claim.sentence_index + 1}${origin}`),
    back,
    claimResult(claim.result, "h3"),
  );
  // the evidence sits beside the text (the panel stays in view); on a narrow screen it is below
  // the text, so it is brought into view either way, and the focus moves to it
  const heading = document.getElementById("claim-detail-heading");
  heading.focus({ preventScroll: true });
  heading.scrollIntoView({ block: "nearest" });
}

function articleText(report) {
  const body = el("div", { class: "article-body", "aria-label": "The article, with its checked claims marked" });
  if (report.title) body.append(el("h2", {}, report.title));
  const points = codePoints(report.text);
  let cursor = 0;
  for (const sentence of report.sentences) {
    if (!sentence.claims.length) continue;
    body.append(cut(points, cursor, sentence.start));
    const first = report.claims[sentence.claims[0]];
    const verdicts = sentence.claims.map((i) => VERDICT_WORDS[report.claims[i].result.verdict]);
    // a link, not a button: it flows with the text and wraps like it
    body.append(el("a", {
      href: "#claim-detail", class: `claim-span ${first.result.verdict}`, "data-claim": String(first.index),
      "aria-label": `${sentence.text} (claim ${first.index + 1}: ${verdicts.join(", ")})`,
      title: verdicts.join(", "), onclick: (event) => selectClaim(report, first.index, event),
    }, sentence.text));
    cursor = sentence.end;
  }
  body.append(cut(points, cursor));
  return body;
}

function claimList(report) {
  return el("ol", { class: "claim-list", "aria-label": "Checked claims" }, report.claims.map((claim) =>
    el("li", {}, el("button", {
      type: "button", "data-claim": String(claim.index), "aria-pressed": "false",
      onclick: () => selectClaim(report, claim.index),
    }, verdictBadge(claim.result.verdict, claim.result.confidence), el("span", {}, claim.text)))));
}

function articleReport(report) {
  const counts = Object.entries(report.summary.verdicts).filter(([, n]) => n > 0);
  const summary = el("div", { class: "summary" },
    el("strong", {}, `${report.summary.claims} claims checked of ${report.summary.sentences} sentences`),
    counts.map(([verdict, n]) => el("span", {}, verdictBadge(verdict), ` ${n}`)));
  const downloads = el("div", { class: "downloads" },
    el("button", { type: "button", class: "link", onclick: () => download("report.json", report) },
      "Download the JSON report"),
    report.claims.length ? el("button", { type: "button", class: "link", onclick: downloadClaimReview },
      "Download ClaimReview (JSON-LD)") : null);
  const meta = [report.language && `language ${report.language}`, report.published && `published ${report.published}`]
    .filter(Boolean).join(" · ");
  if (!report.claims.length) {
    return [el("h2", {}, "No claims to check"), summary,
      el("p", { class: "note" }, report.summary.note || "No check-worthy sentence was found."), downloads];
  }
  return [
    el("h2", {}, report.title || "Article"), meta ? el("p", { class: "meta" }, meta) : null, summary, downloads,
    el("div", { class: "article-grid" }, articleText(report),
      el("aside", { class: "claims-panel", "aria-label": "Claims and their verdicts" },
        el("h3", {}, "Claims"), claimList(report),
        el("section", { id: "claim-detail", "aria-live": "polite" },
          el("p", { class: "note" }, "Choose a claim, in the text or in the list, to see its evidence.")))),
  ].filter(Boolean);
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file, "utf-8");
  });
}

// The text box holds what is checked. A .txt or .md file is shown there once chosen, to read and
// edit; an HTML file is sent as it is (the service extracts its text), and the text it extracted
// replaces it in the box after the check, so a second check sends what the reader sees.
let textIsMarkdown = false;

async function showUploadedFile() {
  const input = document.getElementById("article-file");
  const file = input.files[0];
  const hint = document.getElementById("article-hint");
  clearErrors(document.getElementById("article-form"));
  if (!file) return;
  if (!/\.(txt|md|html?)$/i.test(file.name)) {
    showError("article", { error: "Upload a .txt, .md or .html file.", errors: [{ loc: "file" }] }, true);
    return;
  }
  if (/\.html?$/i.test(file.name)) {
    hint.textContent = `${file.name} is checked as it is; its text appears here after the check.`;
    return;
  }
  const box = document.getElementById("article-text");
  box.value = await readFile(file);
  textIsMarkdown = /\.md$/i.test(file.name);
  input.value = "";
  hint.textContent = `The text of ${file.name}: edit it here if you wish, then check it.`;
}

async function checkArticle(event) {
  event.preventDefault();
  const form = event.target;
  const button = document.getElementById("article-submit");
  clearErrors(form);
  const file = document.getElementById("article-file").files[0];
  const body = {
    published: document.getElementById("article-published").value || null,
    url: document.getElementById("article-url").value.trim() || null,
  };
  const maxClaims = Number.parseInt(document.getElementById("article-max-claims").value, 10);
  body.max_claims = Number.isNaN(maxClaims) ? null : maxClaims;
  setBusy(button, true, "Check article");
  try {
    if (file) {
      if (!/\.(txt|md|html?)$/i.test(file.name)) {
        throw { error: "Upload a .txt, .md or .html file.", errors: [{ loc: "file" }] };
      }
      const content = await readFile(file);
      if (/\.html?$/i.test(file.name)) body.html = content;
      else body.text = content;
      body.markdown = /\.md$/i.test(file.name);
    } else {
      body.text = document.getElementById("article-text").value;
      body.markdown = textIsMarkdown;
    }
    lastReport = await callApi("/v1/articles/check", body);
    if (body.html !== undefined) {
      document.getElementById("article-text").value =
        lastReport.title ? `${lastReport.title}\n\n${lastReport.text}` : lastReport.text;
      document.getElementById("article-file").value = "";
      textIsMarkdown = false;
      document.getElementById("article-hint").textContent =
        "The text the service took from the file: edit it here if you wish, and check it again.";
    }
    setResults(...articleReport(lastReport));
  } catch (error) {
    // a problem with the uploaded file's content belongs next to the file field
    const loc = error.errors && error.errors[0] && error.errors[0].loc;
    if (file && (loc === "text" || loc === "html")) error.errors[0].loc = "file";
    showError("article", error);
  } finally {
    setBusy(button, false, "Check article");
  }
}

// ---- mode, status ----------------------------------------------------------------------------------

function switchMode() {
  const mode = document.querySelector("input[name=mode]:checked").value;
  document.getElementById("claim-form").hidden = mode !== "claim";
  document.getElementById("article-form").hidden = mode !== "article";
  setResults(el("p", { class: "placeholder" }, "Results appear here."));
  clearErrors(document);
}

async function loadStatus() {
  const status = document.getElementById("status");
  const headers = {};
  const token = document.getElementById("token").value.trim();
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const response = await fetch("/v1/index", { headers });
    const info = await response.json();
    if (!response.ok) {
      status.textContent = `Index: ${info.error || "not available"}`;
      return;
    }
    status.textContent = `Index ${info.version || ""}: ${info.document_count} documents, ${info.passage_count} `
      + `passages, model ${info.embedding_model}, built ${info.built_at || "at an unknown time"}.`;
  } catch (err) {
    status.textContent = "Index: the service cannot be reached.";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("claim-form").addEventListener("submit", checkClaim);
  document.getElementById("article-form").addEventListener("submit", checkArticle);
  for (const radio of document.querySelectorAll("input[name=mode]")) radio.addEventListener("change", switchMode);
  document.getElementById("token").addEventListener("change", loadStatus);
  document.getElementById("article-file").addEventListener("change", showUploadedFile);
  document.getElementById("article-text").addEventListener("input", (event) => {
    if (!event.target.value) textIsMarkdown = false;
  });
  loadStatus();
});
