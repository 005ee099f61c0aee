/**
 * Loading the lab's static assets from disk under Node (CLI, tests). The browser fetches the same files from the
 * app's own server; both validate with the same schema.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseCorpusAsset, type CorpusAsset } from '../lab/data/brown';
import { DEFAULT_ASSET_PATH, writeCorpusAsset } from './data';

/**
 * The sentiment corpus asset. When the file is missing it is built in-process first (a few seconds), so tests and
 * the CLI never depend on someone having run `npm run data`.
 */
export async function loadCorpusAssetFromDisk(path = DEFAULT_ASSET_PATH): Promise<CorpusAsset> {
  if (!existsSync(path)) return writeCorpusAsset(path).asset;
  return parseCorpusAsset(JSON.parse(await readFile(path, 'utf8')));
}
