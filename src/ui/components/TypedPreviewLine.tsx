import type { PreviewWord, TypedPreview, Vocabulary } from '../typedPreview';

const quoted = (words: readonly PreviewWord[]) => [...new Set(words.map((w) => `“${w.word}”`))].join(', ');
const WHAT: Record<PreviewWord['fate'], string> = {
  known: 'known',
  unk: 'not in the vocabulary: read as <unk>',
  dropped: 'not in the vocabulary: dropped before scoring',
  cut: 'past the horizon: cut',
};

function Words({ words, testId }: { words: PreviewWord[]; testId: string }) {
  return (
    <span data-testid={testId}>
      {words.map((w, i) => (
        <span key={i} className={`preview-word preview-${w.fate}`} data-testid="preview-word" data-fate={w.fate} title={WHAT[w.fate]}>
          {w.word}
          {w.fate === 'unk' && <span className="preview-tag"> → &lt;unk&gt;</span>}
        </span>
      ))}
    </span>
  );
}

/** The typed text as the model will read it, under the inputs, updated on every keystroke. */
export function TypedPreviewLine({ preview, vocab }: { preview: TypedPreview; vocab: Vocabulary }) {
  const unk = preview.prompt.filter((w) => w.fate === 'unk');
  const dropped = preview.response.filter((w) => w.fate === 'dropped');
  const cut = preview.response.filter((w) => w.fate === 'cut');
  return (
    <div className="score-preview" data-testid="score-preview" aria-live="polite">
      <p className="preview-line">
        <span className="hint">The model reads: </span>
        <Words words={preview.prompt} testId="preview-prompt" />
        <span className="heatmap-prompt"> ▸ </span>
        <Words words={preview.response} testId="preview-response" />
      </p>
      {unk.length > 0 && (
        <p className="hint" data-testid="preview-unk">
          Not in the vocabulary, read as &lt;unk&gt; in the prompt: {quoted(unk)}.
        </p>
      )}
      {dropped.length > 0 && (
        <p className="hint" data-testid="preview-dropped">
          Not in the vocabulary, dropped from the response: {quoted(dropped)}.
        </p>
      )}
      {cut.length > 0 && (
        <p className="hint" data-testid="preview-cut">
          Too long: a response holds {vocab.horizon - 1} words and &lt;eos&gt;, so {cut.length === 1 ? 'the last word is' : `the last ${cut.length} words are`} cut.
        </p>
      )}
      {preview.promptTooLong && (
        <p className="error" data-testid="preview-prompt-long">
          A prompt has at most {vocab.maxPromptWords} words here; shorten it.
        </p>
      )}
    </div>
  );
}
