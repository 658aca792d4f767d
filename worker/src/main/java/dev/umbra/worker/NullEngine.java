package dev.umbra.worker;

import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import dev.umbra.model.StageTimings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model that computes nothing: every row gets the same fixed unit embedding, text and image alike. It measures the
 * serving layer alone (fetch, batching, publishing, commits), and says so in every result's model identity, so that
 * its results cannot pass for a real model's.
 */
public final class NullEngine implements EmbeddingEngine {

    /** What {@code --model} takes for it: {@code null}, or {@code null:E} for embeddings of E values. */
    public static final String SPEC = "null";
    public static final String NAME = "null-model";
    /** The embedded default model's E, so that results are the size the default worker's are. */
    public static final int DEFAULT_DIM = 64;

    private static final Pattern FORM = Pattern.compile("null(?::(\\d{1,5}))?");

    private final int dim;
    private final float[] row;
    private final ModelIdentity identity;

    public NullEngine(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("the null model's embedding size must be at least 1 (got " + dim + ")");
        }
        this.dim = dim;
        this.row = new float[dim];
        Arrays.fill(row, (float) (1 / Math.sqrt(dim)));
        this.identity = new ModelIdentity(NAME, List.of(new ModelIdentity.Component("prior",
                "null: fixed embeddings of " + dim + " values, no computation", "")));
    }

    /**
     * The null model when {@code model} spells it ({@code null} or {@code null:E}) and names no existing folder;
     * empty otherwise.
     */
    public static Optional<NullEngine> parse(Path model) {
        if (model == null || Files.exists(model)) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(model.toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new NullEngine(m.group(1) == null ? DEFAULT_DIM : Integer.parseInt(m.group(1))));
    }

    @Override
    public EmbeddingResult embed(List<String> prompts, float[][] noise) {
        int n = prompts.size();
        float[][] rows = new float[n][];
        // One shared, never-written row: results only read it.
        Arrays.fill(rows, row);
        return new EmbeddingResult(new long[n][0], new long[n][0], rows, null, rows, new StageTimings(0, 0, 0));
    }

    @Override
    public int embeddingDim() {
        return dim;
    }

    @Override
    public ModelIdentity identity() {
        return identity;
    }
}
