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

async function run(query) {
  const ticket = ++latest;
  if (!query.trim()) {
    list.replaceChildren();
    show("Type a word to search the digest.");
    return;
  }
  show("Searching…");
  const found = await pagefind.search(query);
  const top = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
  if (ticket !== latest) return; // a newer query has started
  // Events are what the digest is about: list them before the single reports, each in rank order.
  const kind = (data) => (data.meta && data.meta.kind) || "";
  const ordered = [...top.filter((d) => kind(d) === "Event"), ...top.filter((d) => kind(d) !== "Event")];
  list.replaceChildren(...ordered.map(result));
  const n = found.results.length;
  show(n ? `${n} result${n === 1 ? "" : "s"} for “${query}”` : `Nothing found for “${query}”.`);
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
