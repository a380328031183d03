// The search page's script, the only JavaScript on the site (src/pages/search/index.astro): reads the query and the
// filters from the URL and the form, searches the Pagefind index in /pagefind/ (src/lib/site/search-index.ts) and
// lists the results. Everything the index returns is shown as text; only Pagefind's <mark> highlights become
// elements.

const PAGE = 20;
const form = /** @type {HTMLFormElement} */ (document.getElementById('search-form'));
const input = /** @type {HTMLInputElement} */ (document.getElementById('search-q'));
const noTags = /** @type {HTMLElement} */ (document.getElementById('search-tags-none'));
const tagList = /** @type {HTMLUListElement} */ (document.getElementById('search-tag-list'));
const noScript = /** @type {HTMLElement} */ (document.getElementById('search-nojs'));
const status = /** @type {HTMLElement} */ (document.getElementById('search-status'));
const list = /** @type {HTMLOListElement} */ (document.getElementById('search-results'));
const more = /** @type {HTMLButtonElement} */ (document.getElementById('search-more'));

/** @type {Promise<any> | undefined} */
let pagefind;
/** The results of the last search, and how many are shown. */
/** @type {{ data: () => Promise<any> }[]} */
let results = [];
let shown = 0;
/** Counts searches, so that a slow one finishing after a newer one is dropped. */
let generation = 0;

noScript.hidden = true;

function load() {
  pagefind ??= import('/pagefind/pagefind.js').then(async (module) => {
    await module.options({ excerptLength: 24 });
    // Loads every filter's index, so that each search counts the tags of its results.
    await module.filters();
    return module;
  });
  return pagefind;
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
    const module = await load();
    /** @type {Record<string, unknown>} */
    const filters = {};
    if (sections.length) filters.section = { any: sections };
    if (tags.length) filters.tag = tags;
    search = await module.search(query || null, query ? { filters } : { filters, sort: { date: 'desc' } });
  } catch (error) {
    console.error('search failed:', error);
    if (mine !== generation) return;
    status.textContent = 'Search is not available right now. You can browse the news instead.';
    noScript.hidden = false;
    return;
  }
  if (mine !== generation) return;
  results = search.results;
  showTags(search.filters?.tag, tags);
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
