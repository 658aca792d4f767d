package dev.umbra.model.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The CLIP tokenizer: BPE from a Hugging Face {@code tokenizer.json} (DJL's tokenizers binding), then the
 * framing of ECLIPSE-SPEC section 6, done here rather than by the file so that it does not depend on the
 * file's padding or post-processor blocks: {@code [<|startoftext|>, up to 75 tokens, <|endoftext|>, pad...]},
 * exactly 77 ids, longer prompts truncated.
 *
 * <p>Text that spells a special token ({@code <|endoftext|>}) becomes that token, as in transformers' fast
 * CLIP tokenizer. Thread-safe: the native tokenizer is immutable once built.
 */
public final class ClipTokenizer implements AutoCloseable {

    /** CLIP's context length: every row has exactly this many ids. */
    public static final int CONTEXT_LENGTH = 77;

    private final HuggingFaceTokenizer tokenizer;
    private final long bosId;
    private final long eosId;
    private final long padId;

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, long bosId, long eosId, long padId) {
        this.tokenizer = tokenizer;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
    }

    /**
     * Loads {@code tokenizer.json} from a folder (or the file itself).
     *
     * @param padId id used for padding: 0 for the Kandinsky/Karlo tokenizers, 49407 for openai/clip-vit-large-patch14
     */
    public static ClipTokenizer load(Path folderOrFile, long padId) {
        Path file = Files.isDirectory(folderOrFile) ? folderOrFile.resolve("tokenizer.json") : folderOrFile;
        if (!Files.isRegularFile(file)) {
            throw new ModelException(file + ": file not found");
        }
        DjlRuntime.ensureOffline();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelException(file + ": not a valid Hugging Face tokenizer.json (" + e.getMessage() + ")", e);
        }
        long bos = specialId(tokenizer, file, "<|startoftext|>");
        long eos = specialId(tokenizer, file, "<|endoftext|>");
        return new ClipTokenizer(tokenizer, bos, eos, padId);
    }

    private static long specialId(HuggingFaceTokenizer tokenizer, Path file, String token) {
        long[] ids = tokenizer.encode(token).getIds();
        if (ids.length != 1) {
            tokenizer.close();
            throw new ModelException(file + ": has no special token " + token + " (not a CLIP tokenizer?)");
        }
        return ids[0];
    }

    public TokenizedBatch encode(List<String> prompts) {
        long[][] ids = new long[prompts.size()][];
        long[][] mask = new long[prompts.size()][];
        if (prompts.isEmpty()) {
            return new TokenizedBatch(ids, mask);
        }
        Encoding[] encodings = tokenizer.batchEncode(prompts);
        for (int i = 0; i < encodings.length; i++) {
            long[] content = encodings[i].getIds();
            int n = Math.min(content.length, CONTEXT_LENGTH - 2);
            long[] row = new long[CONTEXT_LENGTH];
            long[] m = new long[CONTEXT_LENGTH];
            Arrays.fill(row, padId);
            row[0] = bosId;
            System.arraycopy(content, 0, row, 1, n);
            row[n + 1] = eosId;
            Arrays.fill(m, 0, n + 2, 1L);
            ids[i] = row;
            mask[i] = m;
        }
        return new TokenizedBatch(ids, mask);
    }

    public long bosId() {
        return bosId;
    }

    public long eosId() {
        return eosId;
    }

    public long padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
