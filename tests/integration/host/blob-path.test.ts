import { parseBlobPattern } from '../../../packages/emulators/functions/triggers/blob-path';
import { blobNameFromUrl } from '../../../packages/emulators/functions/triggers/blob-entries';

describe('blob trigger path patterns', () => {
  it('splits container, list prefix and tokens', () => {
    const pattern = parseBlobPattern('images/in/{folder}/{stem}.{ext}', 'fn');
    expect(pattern.container).toBe('images');
    expect(pattern.prefix).toBe('in/');
    expect(pattern.match('in/2026/cat.photo.png')).toEqual({ folder: '2026', stem: 'cat', ext: 'photo.png' });
    expect(pattern.match('out/2026/cat.png')).toBeUndefined();
    expect(parseBlobPattern('images', 'fn').match('any/thing')).toEqual({});
  });

  it('rejects a pattern without a literal container, naming the function', () => {
    expect(() => parseBlobPattern('{container}/{name}', 'onUpload')).toThrow(
      /Blob trigger "onUpload": path "\{container\}\/\{name\}" must start with a literal container name/,
    );
  });

  it('finds the blob name in Azure and Azurite URLs', () => {
    expect(blobNameFromUrl('https://acct.blob.core.windows.net/images/in/a%20b.png', 'images')).toBe(
      'in/a b.png',
    );
    expect(blobNameFromUrl('http://127.0.0.1:10000/devstoreaccount1/images/x.png', 'images')).toBe('x.png');
    expect(blobNameFromUrl('https://acct.blob.core.windows.net/other/x.png', 'images')).toBeUndefined();
  });
});
