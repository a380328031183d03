/**
 * Story front matter: the YAML block between two `---` lines at the top of a story file, and nothing else.
 *
 * gray-matter picks a parser from the word after the opening `---` (`---js` evaluates the block as JavaScript,
 * whatever engines it is given for YAML), so the language is read here first and anything but YAML is refused before
 * gray-matter sees the text; its other engines are also replaced by ones that refuse, in case it ever finds another
 * way to choose one. YAML is read with the core schema: no custom tags, `__proto__` is an ordinary key (js-yaml
 * defines it as an own property, which the story schema then reports as an unknown field), and dates stay strings,
 * so that the story schema checks them strictly (YAML's own timestamps roll 2025-13-45 over into a valid date).
 */
import matter from 'gray-matter';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { describeValue } from '../model/content-error.ts';

/** The languages that may follow the opening `---`: none (the default), or YAML named explicitly. */
const YAML_NAMES = new Set(['', 'yaml', 'yml']);

/** A front matter block split from its body, or the reason it cannot be read. */
export type FrontMatter = { data: Record<string, unknown>; content: string } | { problem: string; hint: string };

// Unreachable while parseFrontMatter refuses every opener but YAML's first: kept in case gray-matter finds another way.
// Stryker disable next-line all: unreachable (see above)
const refuse = (): never => {
  // Stryker disable next-line all: unreachable (see above)
  throw new Error('front matter must be YAML');
};
// gray-matter stores whatever the engine returns; a list or a scalar is reported after it returns.
const yamlOnly = (text: string): { value: unknown } => ({ value: loadYaml(text, { schema: CORE_SCHEMA }) });

/** Splits a story file into its YAML front matter and its body; any other front matter language is a problem. */
export function parseFrontMatter(file: string): FrontMatter {
  // gray-matter strips a byte order mark before it looks for the opening ---, so the check here must too.
  const source = file.replace(/^\uFEFF/, '');
  const language = frontMatterLanguage(source);
  if (language !== undefined && !YAML_NAMES.has(language.toLowerCase())) {
    return {
      problem: `front matter must be YAML, received a block opened with "---${language.slice(0, 40)}"`,
      hint: 'open the front matter with a line of just --- (other languages, such as ---js, are never run)',
    };
  }
  try {
    // A fresh options object each time also keeps gray-matter's cache out of it.
    const parsed = matter(source, {
      engines: {
        yaml: yamlOnly,
        yml: yamlOnly,
        json: refuse,
        javascript: refuse,
        js: refuse,
        coffee: refuse,
        cson: refuse,
        toml: refuse,
      },
    });
    // No front matter at all leaves gray-matter's own empty object in place of the engine's answer.
    const value: unknown = 'value' in parsed.data ? parsed.data['value'] : {};
    // A document of comments only is undefined; null (`~`) spreads into no fields below.
    if (value === undefined) return { data: {}, content: parsed.content };
    if (typeof value !== 'object' || Array.isArray(value)) {
      return {
        problem: `expected the front matter to be fields (name: value), received ${describeValue(value)}`,
        hint: 'write one "field: value" per line between the two --- markers',
      };
    }
    return { data: { ...(value as Record<string, unknown>) }, content: parsed.content };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      problem: `the front matter is not valid YAML: ${message.split('\n')[0] ?? message}`,
      hint: 'check the lines between the two --- markers',
    };
  }
}

/**
 * The word after the opening `---`, as gray-matter would read it (`''` for a plain `---`), or `undefined` when the
 * file has no front matter. gray-matter treats a line of four or more dashes as no front matter.
 */
function frontMatterLanguage(source: string): string | undefined {
  if (!source.startsWith('---') || source.charAt(3) === '-') return undefined;
  const end = source.search(/\r?\n/);
  return (end === -1 ? source.slice(3) : source.slice(3, end)).trim();
}
