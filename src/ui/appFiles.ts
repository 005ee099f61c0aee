/** Where the app serves its own files, and saving a file from the page (no network: a blob link). */

/** The sentiment task's corpus, served by the app (public/data/brown.json). */
export const corpusUrl = (): string => new URL('data/brown.json', document.baseURI).href;

export function downloadFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  URL.revokeObjectURL(url);
}
