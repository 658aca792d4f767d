package dev.umbra.shapes.train;

import dev.umbra.model.tokenizer.ClipTokenizer;
import dev.umbra.model.tokenizer.TokenizedBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The world's captions as CLIP token ids, cut to the first {@link #TOKENS} of the 77 positions. The text
 * encoder is causal and the prior masks padding, so a prefix that holds every real token gives the full
 * model's outputs at a fraction of the cost; a caption that does not fit is refused, never cut.
 */
public final class TokenCache {

    /** Token positions fed during training: the longest caption of the grammar is 17 tokens. */
    public static final int TOKENS = 24;

    private final ClipTokenizer tokenizer;
    private final Map<String, long[]> ids = new HashMap<>();

    public TokenCache(ClipTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The ids of each caption, {@code [B * TOKENS]}, and, through {@code mask}, their attention mask. */
    public long[] ids(List<String> captions, long[] mask) {
        long[] out = new long[captions.size() * TOKENS];
        for (int i = 0; i < captions.size(); i++) {
            long[] row = ids.computeIfAbsent(captions.get(i), this::encode);
            System.arraycopy(row, 0, out, i * TOKENS, TOKENS);
            if (mask != null) {
                for (int t = 0; t < TOKENS; t++) {
                    mask[i * TOKENS + t] = row[TOKENS + t];
                }
            }
        }
        return out;
    }

    /** ids then mask, each {@link #TOKENS} long. */
    private long[] encode(String caption) {
        TokenizedBatch batch = tokenizer.encode(List.of(caption));
        long[] ids = batch.inputIds()[0];
        long[] mask = batch.attentionMask()[0];
        for (int t = TOKENS; t < ids.length; t++) {
            if (mask[t] != 0) {
                throw new IllegalArgumentException("\"" + caption + "\" is longer than " + TOKENS + " tokens");
            }
        }
        long[] row = new long[2 * TOKENS];
        System.arraycopy(ids, 0, row, 0, TOKENS);
        System.arraycopy(mask, 0, row, TOKENS, TOKENS);
        return row;
    }
}
