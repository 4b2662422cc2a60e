import { storageAccountName } from '../../../src/composition';

describe('storage account name from the blob service URL', () => {
  it.each([
    ['https://flotilladata.blob.core.windows.net', 'flotilladata'],
    ['https://flotilladata.blob.core.windows.net/', 'flotilladata'],
    ['https://127.0.0.1:10000/devstoreaccount1', 'devstoreaccount1'],
    ['http://localhost:41234/devstoreaccount1/', 'devstoreaccount1'],
  ])('%s -> %s', (url, account) => {
    expect(storageAccountName(url)).toBe(account);
  });
});
