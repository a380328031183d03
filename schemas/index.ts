import { author } from './author.ts';
import { blockContent } from './block-content.ts';
import { comment } from './comment.ts';
import { section } from './section.ts';
import { story } from './story.ts';
import { tag } from './tag.ts';

/** Every schema type of the Studio, in the order the "create new" menu lists them. */
export const schemaTypes = [story, section, tag, author, comment, blockContent];
