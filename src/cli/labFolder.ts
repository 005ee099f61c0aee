/**
 * The CLI's lab store: a lab is one lab file on disk (the same bytes the page downloads and opens), written
 * atomically: to a temporary file beside it, then renamed over it, so a crash mid-write leaves the previous file.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { decodeLabFile, encodeLabFile, LAB_FILE_MAX_BYTES } from '../lab/lab/labFile';
import type { Lab } from '../lab/lab/lab';
import type { LabSnapshot } from '../lab/lab/snapshot';

/** The lab in a file, or null when there is none; a file that is not a valid lab is refused with the reason. */
export async function readLabFile(path: string): Promise<LabSnapshot | null> {
  if (!existsSync(path)) return null;
  const size = (await stat(path)).size;
  if (size > LAB_FILE_MAX_BYTES) throw new Error(`${path} is ${size} bytes, over the ${LAB_FILE_MAX_BYTES} bytes (${LAB_FILE_MAX_BYTES / 2 ** 20} MiB) a lab file may hold`);
  try {
    return decodeLabFile(new Uint8Array(await readFile(path)));
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function writeLabFile(path: string, lab: Lab): Promise<number> {
  const bytes = encodeLabFile(lab.snapshot());
  const temporary = `${path}.${process.pid}.partial`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  return bytes.byteLength;
}
