/**
 * Text to index terms, for Similar News.
 *
 * The steps, in order: Unicode NFKD with combining marks removed (accent folding: "Café" and
 * "cafe" become one term), lower-casing, possessive "'s" dropped and apostrophes removed inside
 * words ("O'Brien" -> "obrien"), a split on anything that is not a letter or a digit, English stop
 * words and one-character tokens dropped, then a light plural stemmer (Harman's S-stemmer). A full
 * Porter stemmer was not worth its size: on the ECB+ relevance set it moved P@5 by less than 0.005
 * (see scripts/eval-similar.ts), and the S-stemmer's mistakes are easier to explain to an editor.
 */

/** English function words that carry no topic; kept short on purpose so rare senses survive. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each either few for from further had has have ' +
    'having he her here hers herself him himself his how however if in into is it its itself just may me might ' +
    'more most must my myself no nor not now of off on once only or other our ours ourselves out over own said ' +
    'same says she should since so some such than that the their theirs them themselves then there these they ' +
    'this those through to too under until up upon us very was we were what when where whether which while who ' +
    'whom whose why will with within without would yet you your yours yourself yourselves ' +
    'dont doesnt didnt isnt wasnt arent werent hasnt havent hadnt wont wouldnt cant couldnt shouldnt im ive ' +
    'youre youve theyre theyve weve hes shes thats theres'
  ).split(' '),
);

/** Lower-cases and strips accents, so that spelling variants of a name meet ("Zoë" -> "zoe"). */
export function foldText(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/**
 * Reduces an English plural to its singular (Harman's S-stemmer): "policies" -> "policy",
 * "houses" -> "house", "talks" -> "talk"; words ending in "ss", "us" or "is" are left alone.
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || !word.endsWith('s')) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !word.endsWith('aes') && !word.endsWith('ees') && !word.endsWith('oes')) {
    return word.slice(0, -1);
  }
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  return word.slice(0, -1);
}

/** Splits text into index terms: folded, stop words and single characters dropped, plurals stemmed. */
export function tokenize(value: string): string[] {
  const folded = foldText(value)
    .replace(/['\u2019]s\b/gu, '')
    .replace(/(\p{L})['\u2019](\p{L})/gu, '$1$2');
  const terms: string[] = [];
  for (const token of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (token.length < 2 || STOP_WORDS.has(token)) continue;
    terms.push(stemWord(token));
  }
  return terms;
}
