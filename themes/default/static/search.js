// Search page: queries the Pagefind index built with the site. No third-party code.
const box = document.getElementById("search");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(box.dataset.root, window.location.href);
let pagefind = null;
let latest = 0;

function show(message) {
  status.textContent = message;
}

function result(data) {
  const item = document.createElement("li");
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = (data.meta && data.meta.kind) || "Page";
  const link = document.createElement("a");
  // Pagefind returns root-absolute paths; make them relative to the site so sub-paths work.
  link.href = new URL(data.url.replace(/^\//, ""), root).href;
  link.textContent = (data.meta && data.meta.title) || data.url;
  const excerpt = document.createElement("p");
  // The excerpt is text Pagefind escaped, with <mark> around the hits: keep only the marks.
  const parts = data.excerpt.split(/<\/?mark>/);
  const decoder = document.createElement("textarea"); // decodes entities, never runs markup
  parts.forEach((part, i) => {
    decoder.innerHTML = part;
    const text = decoder.value;
    if (i % 2) {
      const mark = document.createElement("mark");
      mark.textContent = text;
      excerpt.append(mark);
    } else {
      excerpt.append(text);
    }
  });
  item.append(kind, " ", link, excerpt);
  return item;
}

const PAGE = 20; // results shown at once; "More results" shows the next ones
let more = null;

async function showNext(found, query, ticket) {
  const shown = list.children.length;
  const next = await Promise.all(found.results.slice(shown, shown + PAGE).map((r) => r.data()));
  if (ticket !== latest) return; // a newer query has started
  // Events are what the digest is about: list them before the single reports, each in rank
  // order, within each batch (the batches already shown stay where the reader saw them).
  const kind = (data) => (data.meta && data.meta.kind) || "";
  const ordered = [...next.filter((d) => kind(d) === "Event"), ...next.filter((d) => kind(d) !== "Event")];
  list.append(...ordered.map(result));
  const n = found.results.length;
  const quoted = `“${query}”`;
  if (!n) {
    show(`Nothing found for ${quoted}.`);
  } else if (list.children.length < n) {
    show(`${n} results for ${quoted}, the first ${list.children.length} shown`);
  } else {
    show(`${n} result${n === 1 ? "" : "s"} for ${quoted}`);
  }
  moreButton().hidden = list.children.length >= n;
  moreButton().onclick = async () => {
    more.disabled = true; // one batch at a time: a second click waits for the first
    try {
      await showNext(found, query, ticket);
    } finally {
      if (ticket === latest) more.disabled = false; // a newer query has its own button state
    }
  };
}

function moreButton() {
  if (!more) {
    more = document.createElement("button");
    more.type = "button";
    more.className = "more-results";
    more.textContent = "More results";
    more.hidden = true;
    list.after(more);
  }
  return more;
}

async function run(query) {
  const ticket = ++latest;
  list.replaceChildren();
  moreButton().hidden = true;
  more.disabled = false; // a batch of an older query may still be loading
  if (!query.trim()) {
    show("Type a word to search the digest.");
    return;
  }
  show("Searching…");
  const found = await pagefind.search(query);
  if (ticket !== latest) return;
  await showNext(found, query, ticket);
}

async function start() {
  try {
    pagefind = await import(new URL("pagefind.js", new URL(box.dataset.bundle, window.location.href)).href);
    await pagefind.options({ baseUrl: "/" });
    // A large site has its index in parts (see digest.search); they are searched as one.
    for (const part of (box.dataset.moreBundles || "").split(" ").filter(Boolean)) {
      await pagefind.mergeIndex(new URL(part, window.location.href).href, { baseUrl: "/" });
    }
    await pagefind.init();
  } catch (error) {
    show("Search could not start here (it needs the site served over http). Browse by keyword or day instead.");
    return;
  }
  const query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  document.getElementById("site-search")?.setAttribute("value", query);
  input.addEventListener("input", () => run(input.value));
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    run(input.value);
  });
  run(query);
}

start();
