/** A story's reading time, as the story page prints it ("4 min read"). */

/** Words a minute of an adult reading news on screen (a common estimate). */
const WORDS_PER_MINUTE = 230;

/** Minutes to read a body's sanitized HTML: its words (tags and entities left out) at 230 a minute, at least 1. */
export function readingMinutes(html: string): number {
  const text = html.replace(/<[^>]*>/g, ' ').replace(/&[#\w]+;/g, ' ');
  const words = text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
