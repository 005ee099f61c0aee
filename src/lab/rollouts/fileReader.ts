/**
 * Reads one rollout-log file streamed in text chunks: splits lines, validates each (parseRolloutLine), and keeps
 * a running summary: records, how many hold each field, which views the file supports, the bad lines (all counted,
 * the first maxListedBadLines listed with their reasons) and the tokens dropped by alignment or pad stripping.
 * Holds no records itself: push() hands each valid record back to the caller.
 */
import { LineSplitter } from './lineSplitter';
import { parseRolloutLine, type ParseOptions } from './parseLine';
import { recordSupportsView, ROLLOUT_FIELDS, ROLLOUT_VIEWS, type RolloutField, type RolloutRecord, type RolloutViewId } from './fields';

export interface RolloutReaderOptions extends ParseOptions {
  /** Bad lines listed with their reasons (all are counted). Default 100. */
  maxListedBadLines?: number;
  /** Lines longer than this many characters are bad lines and are not buffered. Default 32 Mi. */
  maxLineChars?: number;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface RolloutFileSummary {
  /** Lines seen, blank ones included. */
  lines: number;
  blankLines: number;
  records: number;
  /** How many records hold each known field (fields no record holds are absent). */
  fieldCounts: Partial<Record<RolloutField, number>>;
  /** The fields at least one record holds, in ROLLOUT_FIELDS order. */
  fields: RolloutField[];
  /** Keys outside the convention, first seen first (at most 50). */
  unknownKeys: string[];
  /** How many records support each view. */
  viewCounts: Partial<Record<RolloutViewId, number>>;
  /** The views at least one record supports, in ROLLOUT_VIEWS order. */
  views: RolloutViewId[];
  badLineCount: number;
  /** The first maxListedBadLines bad lines. */
  badLines: BadLine[];
  /** Records whose per-token arrays were one shorter than response_tokens, and the tokens dropped to align them. */
  alignedRecords: number;
  droppedTokens: number;
  /** Trailing pad tokens stripped from response_tokens (with a pad token given). */
  strippedPadTokens: number;
}

const MAX_UNKNOWN_KEYS = 50;

export class RolloutFileReader {
  private readonly splitter: LineSplitter;
  private readonly maxListed: number;
  private readonly parseOptions: ParseOptions;
  private lines = 0;
  private blankLines = 0;
  private records = 0;
  private readonly fieldCounts = new Map<RolloutField, number>();
  private readonly viewCounts = new Map<RolloutViewId, number>();
  private readonly unknownKeys = new Set<string>();
  private badLineCount = 0;
  private readonly badLines: BadLine[] = [];
  private alignedRecords = 0;
  private droppedTokens = 0;
  private strippedPadTokens = 0;

  constructor(options: RolloutReaderOptions = {}) {
    this.splitter = new LineSplitter(options.maxLineChars);
    this.maxListed = options.maxListedBadLines ?? 100;
    this.parseOptions = options.padToken ? { padToken: options.padToken } : {};
  }

  /** The valid records the lines `chunk` completes. */
  push(chunk: string): RolloutRecord[] {
    return this.consume(this.splitter.push(chunk));
  }

  /** The last record, when the text did not end with a newline. Call once after the last chunk. */
  end(): RolloutRecord[] {
    return this.consume(this.splitter.end());
  }

  private consume(lines: ReturnType<LineSplitter['push']>): RolloutRecord[] {
    const out: RolloutRecord[] = [];
    for (const line of lines) {
      this.lines++;
      if (line.tooLong) {
        this.bad(line.lineNumber, `longer than ${this.splitter.maxLineChars} characters`);
        continue;
      }
      if (line.text.trim() === '') {
        this.blankLines++;
        continue;
      }
      const parsed = parseRolloutLine(line.text, line.lineNumber, this.parseOptions);
      if (!parsed.ok) {
        this.bad(line.lineNumber, parsed.reason);
        continue;
      }
      const r = parsed.record;
      this.records++;
      for (const f of ROLLOUT_FIELDS) if (r[f] !== undefined) this.fieldCounts.set(f, (this.fieldCounts.get(f) ?? 0) + 1);
      for (const v of ROLLOUT_VIEWS) if (recordSupportsView(r, v)) this.viewCounts.set(v.id, (this.viewCounts.get(v.id) ?? 0) + 1);
      for (const k of parsed.unknownKeys) if (this.unknownKeys.size < MAX_UNKNOWN_KEYS) this.unknownKeys.add(k);
      if (parsed.droppedTokens > 0) {
        this.alignedRecords++;
        this.droppedTokens += parsed.droppedTokens;
      }
      this.strippedPadTokens += parsed.strippedPadTokens;
      out.push(r);
    }
    return out;
  }

  private bad(line: number, reason: string): void {
    this.badLineCount++;
    if (this.badLines.length < this.maxListed) this.badLines.push({ line, reason });
  }

  /** The summary so far (a copy). */
  summary(): RolloutFileSummary {
    const fieldCounts: Partial<Record<RolloutField, number>> = Object.fromEntries(this.fieldCounts);
    const viewCounts: Partial<Record<RolloutViewId, number>> = Object.fromEntries(this.viewCounts);
    return {
      lines: this.lines,
      blankLines: this.blankLines,
      records: this.records,
      fieldCounts,
      fields: ROLLOUT_FIELDS.filter((f) => this.fieldCounts.has(f)),
      unknownKeys: [...this.unknownKeys],
      viewCounts,
      views: ROLLOUT_VIEWS.filter((v) => this.viewCounts.has(v.id)).map((v) => v.id),
      badLineCount: this.badLineCount,
      badLines: this.badLines.map((b) => ({ ...b })),
      alignedRecords: this.alignedRecords,
      droppedTokens: this.droppedTokens,
      strippedPadTokens: this.strippedPadTokens,
    };
  }
}

/** Reads a whole text (tests, small files) as one file: the records and the summary. */
export function readRolloutText(text: string, options: RolloutReaderOptions = {}): { records: RolloutRecord[]; summary: RolloutFileSummary } {
  const reader = new RolloutFileReader(options);
  const records = [...reader.push(text), ...reader.end()];
  return { records, summary: reader.summary() };
}
