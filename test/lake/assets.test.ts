import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { imageSize } from '../../lake/assets.ts';
import { failure, startTestLake, TOKENS, type TestLake } from './lake-harness.ts';

/** A real 1x1 PNG. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

function pngHeader(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'ascii');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.alloc(19);
  sof.writeUInt16BE(0xffc0, 0);
  sof.writeUInt16BE(17, 2);
  sof.writeUInt8(8, 4);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]);
}

function gifHeader(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(13);
  bytes.write('GIF89a', 0, 'ascii');
  bytes.writeUInt16LE(width, 6);
  bytes.writeUInt16LE(height, 8);
  return bytes;
}

function webpVp8x(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(30);
  bytes.write('RIFF', 0, 'ascii');
  bytes.write('WEBP', 8, 'ascii');
  bytes.write('VP8X', 12, 'ascii');
  bytes.writeUIntLE(width - 1, 24, 3);
  bytes.writeUIntLE(height - 1, 27, 3);
  return bytes;
}

describe('imageSize', () => {
  test.each([
    ['PNG (real)', PNG_1X1, { format: 'png', width: 1, height: 1 }],
    ['PNG', pngHeader(1200, 630), { format: 'png', width: 1200, height: 630 }],
    ['JPEG', jpegHeader(800, 600), { format: 'jpg', width: 800, height: 600 }],
    ['GIF', gifHeader(16, 9), { format: 'gif', width: 16, height: 9 }],
    ['WebP (VP8X)', webpVp8x(2048, 1024), { format: 'webp', width: 2048, height: 1024 }],
    [
      'SVG with width/height',
      Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80"></svg>'),
      { format: 'svg', width: 120, height: 80 },
    ],
    [
      'SVG with a viewBox',
      Buffer.from('<svg viewBox="0 0 24.5 12" xmlns="http://www.w3.org/2000/svg"/>'),
      { format: 'svg', width: 25, height: 12 },
    ],
    ['not an image', Buffer.from('hello world'), undefined],
  ])('%s', (_name, bytes, expected) => {
    expect(imageSize(bytes)).toEqual(expected);
  });

  test('a truncated header is refused, not read past its end into the rest of a pooled Buffer', () => {
    // Buffer.concat of a small upload takes a slice of Node's shared pool; fill what follows it with plausible bytes.
    const truncated = Buffer.concat([pngHeader(1200, 630).subarray(0, 18)]);
    new Uint8Array(truncated.buffer).fill(
      7,
      truncated.byteOffset + truncated.length,
      Math.min(truncated.buffer.byteLength, truncated.byteOffset + 64),
    );
    expect(truncated.buffer.byteLength).toBeGreaterThan(truncated.length);
    expect(imageSize(truncated)).toBeUndefined();
  });
});

describe('assets API', () => {
  let t: TestLake;
  beforeEach(async () => {
    t = await startTestLake();
  });
  afterEach(async () => {
    await t.close();
  });

  test('client.assets.upload stores an image, creates its sanity.imageAsset document and serves the bytes', async () => {
    const sha1 = createHash('sha1').update(PNG_1X1).digest('hex');
    const asset = await t.client().assets.upload('image', PNG_1X1, { filename: 'dot.png', title: 'A dot' });
    expect(asset).toMatchObject({
      _id: `image-${sha1}-1x1-png`,
      _type: 'sanity.imageAsset',
      extension: 'png',
      mimeType: 'image/png',
      originalFilename: 'dot.png',
      title: 'A dot',
      sha1hash: sha1,
      size: PNG_1X1.length,
      url: `${t.lake.url}/images/local/production/${sha1}-1x1.png`,
      metadata: { dimensions: { width: 1, height: 1, aspectRatio: 1 } },
    });
    // Without transform parameters the stored bytes come back as uploaded (transforms: images.test.ts).
    const served = await fetch(`${asset.url}?dl=`);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="${sha1}-1x1.png"`);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    expect(await t.client(null).fetch('*[_type == "sanity.imageAsset"]._id')).toEqual([asset._id]);
    const again = await t.client().assets.upload('image', PNG_1X1, { filename: 'copy.png' });
    expect(again._id).toBe(asset._id);
    expect(again._rev).toBe(asset._rev);
  });

  test('files keep their extension and content type', async () => {
    const bytes = Buffer.from('%PDF-1.4 not really');
    const asset = await t
      .client()
      .assets.upload('file', bytes, { filename: 'report.PDF', contentType: 'application/pdf' });
    expect(asset._id).toBe(`file-${createHash('sha1').update(bytes).digest('hex')}-pdf`);
    expect(asset).toMatchObject({ _type: 'sanity.fileAsset', mimeType: 'application/pdf', extension: 'pdf' });
    expect(await (await fetch(asset.url)).text()).toBe('%PDF-1.4 not really');
  });

  test('uploads need a writer token; a file that is not an image answers 400', async () => {
    expect((await failure(t.client(null).assets.upload('image', PNG_1X1))).statusCode).toBe(401);
    expect((await failure(t.client(TOKENS.viewer).assets.upload('image', PNG_1X1))).statusCode).toBe(403);
    const invalid = await failure(
      t.client().assets.upload('image', Buffer.from('plain text'), { filename: 'notes.txt' }),
    );
    expect(invalid.statusCode).toBe(400);
    expect(invalid.message).toContain('Invalid image "notes.txt"');
    expect((await fetch(`${t.lake.url}/images/local/production/${'0'.repeat(40)}-1x1.png`)).status).toBe(404);
  });
});
