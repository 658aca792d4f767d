package dev.umbra.embed;

import dev.umbra.io.Npy;
import dev.umbra.io.OutputFolder;
import dev.umbra.io.PromptsFile;
import dev.umbra.io.UsageException;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.PriorNoise;
import dev.umbra.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Runs a prompts file through an {@link EclipseModel} in batches and writes every output as .npy.
 * Inputs are checked before the model runs, so a bad file fails fast with one line naming it.
 */
public final class EmbedJob {

    /** Where the prior's noise comes from. */
    public sealed interface Noise {
        static Noise zeros() {
            return new Zeros();
        }

        static Noise file(Path path) {
            return new FromFile(path);
        }

        static Noise seed(long seed) {
            return new Seeded(seed, false);
        }

        static Noise randomSeed() {
            return new Seeded(new SecureRandom().nextLong() >>> 16, true);
        }
    }

    public record Zeros() implements Noise {}

    public record FromFile(Path path) implements Noise {}

    /** Row i uses {@code PriorNoise.gaussian(seed + i, E)}, as a request's image i does in the worker. */
    public record Seeded(long seed, boolean drawn) implements Noise {}

    /** What to run; a null model part falls back to {@code model}, and with no model at all, the embedded one. */
    public record Options(Path model, Path tokenizer, Path textEncoder, Path prior, Path prompts, Path out,
                          Noise noise, int batchSize, String device, String dtype, long padTokenId) {}

    public record Summary(int rows, int batches, double seconds, Path out, Noise noise) {
        public String describe() {
            String seed = noise instanceof Seeded s ? String.format(Locale.ROOT, " (noise seed %d)", s.seed()) : "";
            return String.format(Locale.ROOT, "embedded %d prompt(s) in %d batch(es), %.2f s, %.1f prompts/s%s; wrote %s",
                    rows, batches, seconds, rows / Math.max(seconds, 1e-9), seed, out);
        }
    }

    private EmbedJob() {}

    public static Summary run(Options o, Consumer<String> progress) throws IOException {
        if (o.batchSize() < 1) {
            throw new UsageException("--batch-size must be at least 1 (got " + o.batchSize() + ")");
        }
        List<String> prompts = PromptsFile.readForCommand(o.prompts());
        ModelPaths paths = resolvePaths(o);
        Path out = OutputFolder.prepare(o.out());
        long start = System.nanoTime();
        try (EclipseModel model = EclipseModel.load(paths, new RuntimeOptions(o.device(), o.dtype(), o.padTokenId()))) {
            float[][] noise = noise(o.noise(), prompts.size(), model.embeddingDim());
            if (o.noise() instanceof Seeded s && s.drawn()) {
                progress.accept("noise: drew seed " + s.seed() + " (pass --seed " + s.seed() + " to reproduce)");
            }
            int n = prompts.size();
            long[][] ids = new long[n][];
            long[][] mask = new long[n][];
            float[][] text = new float[n][];
            float[][][] hidden = new float[n][][];
            float[][] image = new float[n][];
            int batches = 0;
            for (int from = 0; from < n; from += o.batchSize()) {
                int to = Math.min(n, from + o.batchSize());
                float[][] batchNoise = new float[to - from][];
                System.arraycopy(noise, from, batchNoise, 0, to - from);
                EmbeddingResult r = model.embed(prompts.subList(from, to), batchNoise, true);
                System.arraycopy(r.inputIds(), 0, ids, from, to - from);
                System.arraycopy(r.attentionMask(), 0, mask, from, to - from);
                System.arraycopy(r.textEmbeds(), 0, text, from, to - from);
                System.arraycopy(r.lastHiddenState(), 0, hidden, from, to - from);
                System.arraycopy(r.imageEmbeds(), 0, image, from, to - from);
                batches++;
                if (n > o.batchSize()) {
                    progress.accept(String.format(Locale.ROOT, "batch %d: %d/%d prompts", batches, to, n));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Npy.write(out.resolve("input_ids.npy"), ids);
            Npy.write(out.resolve("attention_mask.npy"), mask);
            Npy.write(out.resolve("text_embeds.npy"), text);
            Npy.write(out.resolve("last_hidden_state.npy"), hidden);
            Npy.write(out.resolve("image_embeds.npy"), image);
            return new Summary(n, batches, seconds, out, o.noise());
        }
    }

    private static ModelPaths resolvePaths(Options o) {
        if (o.model() == null) {
            if (o.tokenizer() == null && o.textEncoder() == null && o.prior() == null) {
                return ModelPaths.of(EmbeddedModels.defaultModelDir());
            }
            List<String> missing = new ArrayList<>();
            if (o.tokenizer() == null) {
                missing.add("--tokenizer");
            }
            if (o.textEncoder() == null) {
                missing.add("--text-encoder");
            }
            if (o.prior() == null) {
                missing.add("--prior");
            }
            if (!missing.isEmpty()) {
                throw new UsageException("without --model, " + String.join(", ", missing) + " must be given too");
            }
            return new ModelPaths(o.tokenizer(), o.textEncoder(), o.prior());
        }
        if (!Files.isDirectory(o.model())) {
            throw new UsageException(o.model() + ": model folder not found");
        }
        ModelPaths base = ModelPaths.of(o.model());
        return new ModelPaths(
                o.tokenizer() != null ? o.tokenizer() : base.tokenizer(),
                o.textEncoder() != null ? o.textEncoder() : base.textEncoder(),
                o.prior() != null ? o.prior() : base.prior());
    }

    private static float[][] noise(Noise spec, int n, int e) {
        float[][] rows = new float[n][];
        if (spec instanceof Zeros) {
            for (int i = 0; i < n; i++) {
                rows[i] = new float[e];
            }
            return rows;
        }
        if (spec instanceof Seeded s) {
            for (int i = 0; i < n; i++) {
                rows[i] = PriorNoise.gaussian(s.seed() + i, e);
            }
            return rows;
        }
        Path file = ((FromFile) spec).path();
        float[][] loaded;
        try {
            loaded = Npy.readFloat32Matrix(file);
        } catch (NoSuchFileException ex) {
            throw new UsageException(file + ": file not found");
        } catch (IOException ex) {
            throw new UsageException(file + ": " + ex.getMessage());
        }
        if (loaded.length != n || (n > 0 && loaded[0].length != e)) {
            int cols = loaded.length == 0 ? 0 : loaded[0].length;
            throw new UsageException(file + ": shape [" + loaded.length + ", " + cols + "] does not fit: expected ["
                    + n + ", " + e + "] (" + n + " prompts x the prior's embedding_dim " + e + ")");
        }
        return loaded;
    }
}
