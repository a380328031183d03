// The rules of a reader's comment (src/lib/model/comment.ts), each checked against a hand-written expectation.
import { describe, expect, test } from 'vitest';
import {
  approvedComment,
  commentProblems,
  commentsByStory,
  normalizeCommentName,
  normalizeCommentText,
  type Comment,
} from '../src/lib/model/comment.ts';

describe('normalizeCommentName', () => {
  test('one line, runs of white space as one space, trimmed', () => {
    expect(normalizeCommentName('  Ada \t\n  Lovelace \r\n')).toBe('Ada Lovelace');
    expect(normalizeCommentName('Ada')).toBe('Ada');
    expect(normalizeCommentName('   ')).toBe('');
  });

  test('invisible characters become a space, so they still part words', () => {
    expect(normalizeCommentName('Ada\u0000Lovelace')).toBe('Ada Lovelace');
    expect(normalizeCommentName('Ada\u202eLovelace\u200f')).toBe('Ada Lovelace');
  });

  test('composed to NFC', () => {
    expect(normalizeCommentName('Jose\u0301')).toBe('Jos\u00e9');
  });
});

describe('normalizeCommentText', () => {
  test('line feeds only: CRLF and a lone CR both become LF', () => {
    expect(normalizeCommentText('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
  });

  test('invisible characters are removed, tab and line feed kept', () => {
    expect(normalizeCommentText('a\u0000b\u0008c\u000bd\u001fe\u007ff\u009fg')).toBe('abcdefg');
    expect(normalizeCommentText('a\u200eb\u200fc\u202ad\u202ee\u2066f\u2069g')).toBe('abcdefg');
    expect(normalizeCommentText('a\tb\nc')).toBe('a\tb\nc');
    // Neighbours of the removed ranges stay.
    expect(normalizeCommentText('a b~c\u00a0d\u200de\u2010f\u2065g\u206ah')).toBe(
      'a b~c\u00a0d\u200de\u2010f\u2065g\u206ah',
    );
  });

  test('no trailing spaces or tabs on a line; spaces inside a line stay', () => {
    expect(normalizeCommentText('one  \t \ntwo words\t\nthree')).toBe('one\ntwo words\nthree');
    expect(normalizeCommentText('a \nb')).toBe('a\nb');
  });

  test('at most one blank line in a row', () => {
    expect(normalizeCommentText('a\n\nb')).toBe('a\n\nb');
    expect(normalizeCommentText('a\n\n\nb')).toBe('a\n\nb');
    expect(normalizeCommentText('a\n \n\t\n\n\nb')).toBe('a\n\nb');
    expect(normalizeCommentText('a\r\n\r\n\r\nb')).toBe('a\n\nb');
  });

  test('trimmed, composed to NFC', () => {
    expect(normalizeCommentText('\n\n  Caf\u0065\u0301 \n\n')).toBe('Caf\u00e9');
  });
});

describe('commentProblems', () => {
  test('nothing wrong with a name and text inside the limits', () => {
    expect(commentProblems('Ada', 'Hello')).toEqual([]);
    expect(commentProblems('a'.repeat(60), 'b'.repeat(2000))).toEqual([]);
    // Lengths count characters: 60 emoji are 120 UTF-16 units but within the limit.
    expect(commentProblems('\u{1F600}'.repeat(60), '\u{1F600}'.repeat(2000))).toEqual([]);
  });

  test('an empty name or text is named by its field', () => {
    expect(commentProblems('', 'Hello')).toEqual([
      { field: 'name', message: 'Please give a name to show with your comment.' },
    ]);
    expect(commentProblems('Ada', '')).toEqual([{ field: 'text', message: 'Please write a comment.' }]);
    expect(commentProblems('', '')).toEqual([
      { field: 'name', message: 'Please give a name to show with your comment.' },
      { field: 'text', message: 'Please write a comment.' },
    ]);
  });

  test('one character over a limit says the length and the limit', () => {
    expect(commentProblems('a'.repeat(61), 'Hello')).toEqual([
      { field: 'name', message: 'The name is 61 characters long; please keep it to 60.' },
    ]);
    expect(commentProblems('\u{1F600}'.repeat(61), 'Hello')).toEqual([
      { field: 'name', message: 'The name is 61 characters long; please keep it to 60.' },
    ]);
    expect(commentProblems('Ada', 'b'.repeat(2001))).toEqual([
      { field: 'text', message: 'The comment is 2,001 characters long; please keep it to 2,000.' },
    ]);
    expect(commentProblems('a'.repeat(100), 'b'.repeat(12345))).toEqual([
      { field: 'name', message: 'The name is 100 characters long; please keep it to 60.' },
      { field: 'text', message: 'The comment is 12,345 characters long; please keep it to 2,000.' },
    ]);
  });
});

describe('approvedComment', () => {
  const good = {
    id: 'comment-1',
    story: 'story-a',
    name: '  Ada  Lovelace ',
    text: 'First line  \r\n\r\n\r\nSecond',
    postedAt: '2025-11-19T21:10:00+01:00',
    state: 'approved',
  };

  test('an approved, well-formed comment: normalized, its time in UTC', () => {
    expect(approvedComment(good)).toStrictEqual({
      id: 'comment-1',
      story: 'story-a',
      name: 'Ada Lovelace',
      text: 'First line\n\nSecond',
      postedAt: '2025-11-19T20:10:00.000Z',
    });
  });

  test('only approved comments are read', () => {
    for (const state of ['pending', 'rejected', '', undefined, 'Approved'])
      expect(approvedComment({ ...good, state })).toBeUndefined();
  });

  test('a comment with a field missing or of the wrong type is not read', () => {
    expect(approvedComment({ ...good, story: '' })).toBeUndefined();
    expect(approvedComment({ ...good, story: 7 })).toBeUndefined();
    expect(approvedComment({ ...good, story: undefined })).toBeUndefined();
    expect(approvedComment({ ...good, name: 7 })).toBeUndefined();
    expect(approvedComment({ ...good, name: undefined })).toBeUndefined();
    expect(approvedComment({ ...good, text: ['Hello'] })).toBeUndefined();
    expect(approvedComment({ ...good, text: undefined })).toBeUndefined();
    expect(approvedComment({ ...good, postedAt: 1763583000000 })).toBeUndefined();
    // Not a string even though its text would parse as a date.
    expect(approvedComment({ ...good, postedAt: new Date('2025-11-19T20:10:00Z') })).toBeUndefined();
    expect(approvedComment({ ...good, postedAt: ['2025-11-19T20:10:00Z'] })).toBeUndefined();
    expect(approvedComment({ ...good, postedAt: 'yesterday' })).toBeUndefined();
    expect(approvedComment({ ...good, postedAt: undefined })).toBeUndefined();
  });

  test('a comment that breaks the name or text rules once normalized is not read', () => {
    expect(approvedComment({ ...good, name: ' \u0000 ' })).toBeUndefined();
    expect(approvedComment({ ...good, text: '\n \u202e \n' })).toBeUndefined();
    expect(approvedComment({ ...good, name: 'a'.repeat(61) })).toBeUndefined();
    expect(approvedComment({ ...good, text: 'b'.repeat(2001) })).toBeUndefined();
    // At the limits after normalization it is read.
    expect(approvedComment({ ...good, name: ` ${'a'.repeat(60)} ` })?.name).toBe('a'.repeat(60));
  });
});

describe('commentsByStory', () => {
  const c = (id: string, story: string, postedAt: string): Comment => ({ id, story, name: 'N', text: 'T', postedAt });

  test('grouped by story, oldest first, ties by id, without the story field', () => {
    const byStory = commentsByStory([
      c('c3', 'a', '2025-01-03T00:00:00.000Z'),
      c('c1', 'b', '2025-01-01T00:00:00.000Z'),
      c('c2', 'a', '2025-01-01T00:00:00.000Z'),
      c('c0', 'a', '2025-01-02T00:00:00.000Z'),
      c('c9', 'a', '2025-01-01T00:00:00.000Z'),
      c('c4', 'a', '2025-01-01T00:00:00.000Z'),
    ]);
    expect([...byStory.keys()].sort()).toEqual(['a', 'b']);
    expect(byStory.get('a')?.map((v) => v.id)).toEqual(['c2', 'c4', 'c9', 'c0', 'c3']);
    expect(byStory.get('b')).toStrictEqual([{ id: 'c1', name: 'N', text: 'T', postedAt: '2025-01-01T00:00:00.000Z' }]);
  });

  test('already in order, or in reverse, gives the same order', () => {
    const sorted = [
      c('x', 's', '2025-01-01T00:00:00.000Z'),
      c('y', 's', '2025-01-01T00:00:00.000Z'),
      c('z', 's', '2025-02-01T00:00:00.000Z'),
    ];
    const expected = ['x', 'y', 'z'];
    expect(
      commentsByStory(sorted)
        .get('s')
        ?.map((v) => v.id),
    ).toEqual(expected);
    expect(
      commentsByStory([...sorted].reverse())
        .get('s')
        ?.map((v) => v.id),
    ).toEqual(expected);
  });

  test('no comments, no stories', () => {
    expect(commentsByStory([]).size).toBe(0);
  });
});
