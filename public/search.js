// The search page's script, the only JavaScript on the site (src/pages/search/index.astro): reads the query and the
// filters from the URL and the form, searches every part of the Pagefind index in /pagefind/ (one bundle per span of
// publish time, listed newest first in /pagefind/parts.json; src/lib/site/search-index.ts) and lists the results.
// Everything the index returns is shown as text; only Pagefind's <mark> highlights become elements.

const PAGE = 20;
const form = /** @type {HTMLFormElement} */ (document.getElementById('search-form'));
const input = /** @type {HTMLInputElement} */ (document.getElementById('search-q'));
const noTags = /** @type {HTMLElement} */ (document.getElementById('search-tags-none'));
const tagList = /** @type {HTMLUListElement} */ (document.getElementById('search-tag-list'));
const noScript = /** @type {HTMLElement} */ (document.getElementById('search-nojs'));
const status = /** @type {HTMLElement} */ (document.getElementById('search-status'));
const list = /** @type {HTMLOListElement} */ (document.getElementById('search-results'));
const more = /** @type {HTMLButtonElement} */ (document.getElementById('search-more'));

/** Pagefind with every part of the index merged in, and the parts' names, newest first. */
/** @type {Promise<{ module: any; names: string[] }> | undefined} */
let pagefind;
/** The results of the last search, and how many are shown. */
/** @type {{ data: () => Promise<any> }[]} */
let results = [];
let shown = 0;
/** Counts searches, so that a slow one finishing after a newer one is dropped. */
let generation = 0;

noScript.hidden = true;

// Each part is merged into the newest one (Pagefind's mergeIndex) with a filter `part` of its name on all its
// records, so that one search can also be asked of one part.
function load() {
  pagefind ??= (async () => {
    const response = await fetch('/pagefind/parts.json');
    if (!response.ok) throw new Error(`/pagefind/parts.json: ${response.status}`);
    const manifest = await response.json();
    const names = (Array.isArray(manifest?.parts) ? manifest.parts : [])
      .map((part) => part?.name)
      .filter((name) => typeof name === 'string' && /^[0-9a-z-]+$/.test(name));
    if (names.length === 0) return { module: undefined, names };
    const module = await import(`/pagefind/${names[0]}/pagefind.js`);
    await module.options({ excerptLength: 24, mergeFilter: { part: names[0] } });
    for (const name of names.slice(1)) await module.mergeIndex(`/pagefind/${name}/`, { mergeFilter: { part: name } });
    // Loads every filter's index, so that each search counts the tags of its results.
    await module.filters();
    return { module, names };
  })();
  return pagefind;
}

/**
 * Searches every part. A text search is one search of the merged index, ranked by score. A date-sorted search is
 * asked of each part in turn, newest first: Pagefind scores each result of a sorted search by its place within its
 * own part, so one search of the merged index would mix the parts up; the parts are spans of time that do not
 * overlap, so their lists one after the other are newest first. Tag counts are summed over the parts.
 */
async function searchParts(query, filters) {
  const { module, names } = await load();
  if (!module) return { results: [], tags: {} };
  if (query) {
    const search = await module.search(query, { filters });
    return { results: search.results, tags: search.filters?.tag ?? {} };
  }
  const found = [];
  /** @type {Record<string, number>} */
  const tags = {};
  for (const name of names) {
    const search = await module.search(null, { filters: { ...filters, part: name }, sort: { date: 'desc' } });
    found.push(...search.results);
    for (const [tag, count] of Object.entries(search.filters?.tag ?? {})) tags[tag] = (tags[tag] ?? 0) + count;
  }
  return { results: found, tags };
}

/** The checked values of the checkboxes named `name`. */
function checked(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => /** @type {HTMLInputElement} */ (box).value);
}

/** An element with text content (never parsed as HTML). */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Pagefind's excerpt as text, with its <mark> highlights kept as elements (the excerpt is parsed inertly). */
function excerpt(html) {
  const paragraph = element('p', 'search-excerpt');
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html').body;
  for (const node of parsed.firstChild?.childNodes ?? []) {
    if (node.nodeName === 'MARK') paragraph.append(element('mark', '', node.textContent ?? ''));
    else paragraph.append(document.createTextNode(node.textContent ?? ''));
  }
  return paragraph;
}

/** A site path from the index, or '#' for anything else. */
function sitePath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : '#';
}

function resultItem(data) {
  const meta = data.meta ?? {};
  const item = element('li', 'search-result');
  if (meta.section) item.append(element('p', 'kicker', meta.section));
  const heading = element('h2', 'card-title');
  const link = element('a', '', meta.title ?? data.url);
  link.href = sitePath(data.url);
  heading.append(link);
  item.append(heading);
  if (meta.dek) item.append(element('p', 'dek', meta.dek));
  if (data.excerpt) item.append(excerpt(data.excerpt));
  if (meta.date) {
    const line = element('p', 'meta');
    const time = element('time', '', meta.dateText ?? meta.date);
    time.dateTime = meta.date;
    line.append(time);
    item.append(line);
  }
  return item;
}

async function showMore() {
  const mine = generation;
  const next = results.slice(shown, shown + PAGE);
  const data = await Promise.all(next.map((r) => r.data()));
  if (mine !== generation) return;
  for (const d of data) list.append(resultItem(d));
  shown += next.length;
  more.hidden = shown >= results.length;
}

/** The tag filter: the tags of the current results, most frequent first, and those checked. */
function showTags(counts, selected) {
  const tags = Object.entries(counts ?? {})
    .filter(([name, count]) => count > 0 || selected.includes(name))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 24);
  for (const name of selected) if (!tags.some(([t]) => t === name)) tags.push([name, 0]);
  tagList.replaceChildren(
    ...tags.map(([name, count]) => {
      const item = element('li');
      const label = element('label');
      const box = element('input');
      box.type = 'checkbox';
      box.name = 'tag';
      box.value = name;
      box.checked = selected.includes(name);
      label.append(box, ` ${name} `, element('span', 'count', `(${count})`));
      item.append(label);
      return item;
    }),
  );
  noTags.hidden = tags.length > 0;
}

async function run() {
  generation += 1;
  const mine = generation;
  const query = input.value.trim();
  const sections = checked('section');
  const tags = checked('tag');
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  for (const s of sections) params.append('section', s);
  for (const t of tags) params.append('tag', t);
  history.replaceState(null, '', `/search/${params.size ? `?${params}` : ''}`);
  results = [];
  shown = 0;
  list.replaceChildren();
  more.hidden = true;
  if (!query && sections.length === 0 && tags.length === 0) {
    status.textContent = '';
    showTags({}, []);
    return;
  }
  status.textContent = 'Searching…';
  let search;
  try {
    /** @type {Record<string, unknown>} */
    const filters = {};
    if (sections.length) filters.section = { any: sections };
    if (tags.length) filters.tag = tags;
    search = await searchParts(query, filters);
  } catch (error) {
    console.error('search failed:', error);
    if (mine !== generation) return;
    status.textContent = 'Search is not available right now. You can browse the news instead.';
    noScript.hidden = false;
    return;
  }
  if (mine !== generation) return;
  results = search.results;
  showTags(search.tags, tags);
  const n = results.length;
  const what = query ? ` for “${query}”` : '';
  status.textContent = n === 0 ? `No stories found${what}.` : `${n} ${n === 1 ? 'story' : 'stories'} found${what}.`;
  await showMore();
}

const params = new URLSearchParams(location.search);
input.value = params.get('q') ?? '';
for (const box of form.querySelectorAll('input[name="section"]')) {
  const checkbox = /** @type {HTMLInputElement} */ (box);
  checkbox.checked = params.getAll('section').includes(checkbox.value);
}
// Tags come from the results; the ones in the URL are shown checked until then.
showTags({}, params.getAll('tag'));

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});
form.addEventListener('change', (event) => {
  if (/** @type {HTMLInputElement} */ (event.target).type === 'checkbox') void run();
});
more.addEventListener('click', () => void showMore());
void run();
