import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { imageTransformFrom, targetSize } from '../../lake/image-transform.ts';
import { startTestLake, type TestLake } from './lake-harness.ts';

// Image URLs with Sanity's transform parameters, resized by sharp.

describe('target sizes', () => {
  const size = (search: string) => targetSize(400, 200, imageTransformFrom(new URLSearchParams(search)));
  test.each([
    ['w=100', { width: 100, height: 50, mode: 'inside' }],
    ['h=50', { width: 100, height: 50, mode: 'inside' }],
    ['w=800', { width: 800, height: 400, mode: 'inside' }],
    ['w=800&fit=max', { width: 400, height: 200, mode: 'inside' }],
    ['w=100&h=100', { width: 100, height: 50, mode: 'inside' }],
    ['w=100&h=100&fit=crop', { width: 100, height: 100, mode: 'cover' }],
    ['w=100&h=100&fit=fill', { width: 100, height: 100, mode: 'contain' }],
    ['w=100&dpr=2', { width: 200, height: 100, mode: 'inside' }],
    ['max-w=200', { width: 200, height: 100, mode: 'inside' }],
    ['fm=webp', undefined],
  ])('%s on a 400x200 image', (search, expected) => {
    expect(size(search)).toEqual(expected);
  });

  test.each([
    ['w=abc', 'Invalid image parameter w="abc": expected a number from 1 to 8192'],
    ['fm=tiff', 'Invalid image parameter fm="tiff": expected jpg, pjpg, png, webp, avif, gif'],
    ['rect=1,2,3', 'Invalid image parameter rect="1,2,3"'],
    ['fit=stretch', 'Invalid image parameter fit="stretch"'],
  ])('%s is rejected: %s', (search, message) => {
    expect(() => imageTransformFrom(new URLSearchParams(search))).toThrow(message);
  });
});

describe('serving transformed images', () => {
  let t: TestLake;
  let url: string;
  beforeAll(async () => {
    t = await startTestLake();
    const png = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const asset = await t.client().assets.upload('image', png, { filename: 'blue.png' });
    url = asset.url;
  });
  afterAll(async () => {
    await t.close();
  });

  async function fetchImage(search: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}${search}`, { headers });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { response, bytes, meta: response.ok ? await sharp(bytes).metadata() : undefined };
  }

  test('without parameters the original bytes come back', async () => {
    const { response, meta } = await fetchImage('');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(meta).toMatchObject({ format: 'png', width: 400, height: 200 });
  });

  test('w and fm resize and convert', async () => {
    const { response, meta } = await fetchImage('?w=100&fm=webp');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(meta).toMatchObject({ format: 'webp', width: 100, height: 50 });
  });

  test('rect, crop to a square, jpg at a quality', async () => {
    const { response, meta } = await fetchImage('?rect=0,0,200,200&w=64&h=64&fit=crop&fm=jpg&q=70');
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(meta).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
  });

  test('auto=format picks WebP for browsers that accept it', async () => {
    const { response, meta } = await fetchImage('?w=50&auto=format', { accept: 'image/avif,image/webp,*/*' });
    expect(response.headers.get('vary')).toBe('Accept');
    expect(meta?.format).toBe('webp');
  });

  test('a malformed parameter answers 400 naming it', async () => {
    const { response, bytes } = await fetchImage('?w=-5');
    expect(response.status).toBe(400);
    expect(JSON.parse(bytes.toString())).toMatchObject({ error: { description: expect.stringContaining('w="-5"') } });
  });
});
