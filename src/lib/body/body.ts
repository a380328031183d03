import type { Root } from 'hast';
import { markdownToHast } from './markdown.ts';
import { portableTextToHast } from './portable-text.ts';
import { hastToHtml, hastToText, prepareHast } from './render.ts';
import type { RenderedBody } from '../site/site.ts';
import type { StoryBody } from '../model/story.ts';

/** Turns a body in either format into an unsanitized hast tree. */
export function bodyToHast(body: StoryBody): Root {
  return body.format === 'markdown' ? markdownToHast(body.value) : portableTextToHast(body.value);
}

/** Renders a story body, markdown or Portable Text, through the one sanitizing rehype pipeline. */
export function renderBody(body: StoryBody): RenderedBody {
  const tree = prepareHast(bodyToHast(body));
  return { html: hastToHtml(tree), text: hastToText(tree) };
}
