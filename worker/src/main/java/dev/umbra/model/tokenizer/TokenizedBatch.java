package dev.umbra.model.tokenizer;

/**
 * Token ids and attention mask of a batch, each row exactly {@link ClipTokenizer#CONTEXT_LENGTH} long.
 *
 * @param inputIds      [N][77]: start token, up to 75 prompt tokens, end token, padding
 * @param attentionMask [N][77]: 1 on the start token, prompt tokens and end token, 0 on padding
 */
public record TokenizedBatch(long[][] inputIds, long[][] attentionMask) {

    public int size() {
        return inputIds.length;
    }
}
