/**
 * The page's LabStore: every lab as one lab file (labFile.ts bytes) in IndexedDB, through idb. Two object stores,
 * `files` (id → bytes) and `info` (id → SavedLabInfo, for the Saved labs list without decoding every file), written
 * in one readwrite transaction: IndexedDB commits a transaction whole or not at all, so a save that fails half-way
 * (a full quota, a closed tab) leaves the previous save of that lab as it was.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { decodeLabFile, encodeLabFile } from '../lab/lab/labFile';
import type { LabStore, SavedLabInfo } from '../lab/lab/lab';
import type { LabSnapshot } from '../lab/lab/snapshot';

interface LabDb extends DBSchema {
  files: { key: string; value: Uint8Array };
  info: { key: string; value: SavedLabInfo };
}

const DB_NAME = 'rto-lab';
const DB_VERSION = 1;

/** What the Saved labs list shows of a snapshot. */
export function infoOf(s: LabSnapshot, bytes: number): SavedLabInfo {
  const stages = [s.sft && 'sft', s.pairs && 'preferences', s.rm && 'rm', s.dpo && 'dpo'].filter((x): x is string => Boolean(x));
  for (const r of s.runs) {
    const stage = (r.job as { stage?: unknown }).stage;
    if (r.status === 'finished' && (stage === 'ppo' || stage === 'rto') && !stages.includes(stage)) stages.push(stage);
  }
  return { id: s.id, savedAt: s.savedAt, task: s.task, preset: s.preset, stages, runs: s.runs.length, unfinished: s.runs.filter((r) => r.resume !== null).length, bytes };
}

/** A full quota reads as this message (the error names differ between browsers). */
export function storageMessage(error: unknown): string {
  const name = error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? (error as Error).name : '';
  const text = error instanceof Error ? error.message : String(error);
  if (name === 'QuotaExceededError' || /quota/i.test(text)) return `The browser's storage for this site is full, so the lab was not saved (training goes on). Delete saved labs you no longer need, or download this one (Download lab).`;
  return `The lab could not be saved in the browser's storage (${text}); training goes on. Download lab keeps a copy as a file.`;
}

export class IdbLabStore implements LabStore {
  private db: Promise<IDBPDatabase<LabDb>> | null = null;

  private open(): Promise<IDBPDatabase<LabDb>> {
    this.db ??= openDB<LabDb>(DB_NAME, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('files');
        db.createObjectStore('info');
      },
    });
    return this.db;
  }

  async save(snapshot: LabSnapshot): Promise<{ bytes: number }> {
    const bytes = encodeLabFile(snapshot);
    await this.putBytes(snapshot.id, bytes, infoOf(snapshot, bytes.byteLength));
    return { bytes: bytes.byteLength };
  }

  /** Stores already-encoded bytes (an opened lab file) under its id. */
  async putBytes(id: string, bytes: Uint8Array, info: SavedLabInfo): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(['files', 'info'], 'readwrite');
    await Promise.all([tx.objectStore('files').put(bytes, id), tx.objectStore('info').put(info, id), tx.done]);
  }

  async loadBytes(id: string): Promise<Uint8Array | null> {
    const db = await this.open();
    return (await db.get('files', id)) ?? null;
  }

  async load(id: string): Promise<LabSnapshot | null> {
    const bytes = await this.loadBytes(id);
    return bytes ? decodeLabFile(bytes) : null;
  }

  async list(): Promise<SavedLabInfo[]> {
    const db = await this.open();
    const all = await db.getAll('info');
    return all.sort((a, b) => (a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : 0));
  }

  async remove(id: string): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(['files', 'info'], 'readwrite');
    await Promise.all([tx.objectStore('files').delete(id), tx.objectStore('info').delete(id), tx.done]);
  }
}
