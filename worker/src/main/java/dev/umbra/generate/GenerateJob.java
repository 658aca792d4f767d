package dev.umbra.generate;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.io.OutputFolder;
import dev.umbra.io.PromptsFile;
import dev.umbra.io.UsageException;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code generate}: a prompts file to PNG pictures, offline, through {@link TextToImage}. Image {@code j} of line
 * {@code i} (both counted from 1 and 0) is {@code OUT/<i>-<j>.png} and uses seed {@code seed + (i - 1) * images + j},
 * so no two pictures share a seed and the same seed gives the same bytes. {@code OUT/index.jsonl} lists every
 * picture: line, prompt, image, seed, file, text_image_alignment.
 */
public final class GenerateJob {

    public static final String INDEX = "index.jsonl";
    public static final int MAX_IMAGES = 64;

    /** What to run; a null model is the embedded default, a null seed is drawn (and printed). */
    public record Options(Path model, Path prompts, Path out, int images, Long seed, int batchSize,
                          ShapesImageDecoder.Sampling sampling, RuntimeOptions runtime) {}

    public record Summary(int prompts, int pictures, long seed, boolean drawn, double seconds, Path out) {
        public String describe() {
            return String.format(Locale.ROOT, "generated %d picture(s) of %d prompt(s) in %.2f s (seed %d); wrote %s",
                    pictures, prompts, seconds, seed, out);
        }
    }

    private GenerateJob() {}

    public static Summary run(Options o, Consumer<String> progress) throws IOException {
        if (o.batchSize() < 1) {
            throw new UsageException("--batch-size must be at least 1 (got " + o.batchSize() + ")");
        }
        if (o.images() < 1 || o.images() > MAX_IMAGES) {
            throw new UsageException("--images must be between 1 and " + MAX_IMAGES + " (got " + o.images() + ")");
        }
        List<String> prompts = PromptsFile.readForCommand(o.prompts());
        if (o.model() != null && !Files.isDirectory(o.model())) {
            throw new UsageException(o.model() + ": model folder not found");
        }
        boolean drawn = o.seed() == null;
        long seed = drawn ? new SecureRandom().nextLong() >>> 16 : o.seed();
        OutputFolder.prepare(o.out());
        TextToImage.Parts parts = o.model() == null
                ? TextToImage.Parts.of(EmbeddedModels.defaultModelDir(), EmbeddedModels.DEFAULT_MODEL_NAME)
                : TextToImage.Parts.of(o.model(), null);
        long start = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < o.images(); j++) {
                rows.add(new Row(i + 1, j, prompts.get(i), seed + (long) i * o.images() + j));
            }
        }
        Gson gson = new Gson();
        try (TextToImage pipeline = TextToImage.load(parts, o.runtime(), o.sampling());
             BufferedWriter index = Files.newBufferedWriter(o.out().resolve(INDEX))) {
            if (drawn) {   // only once the model loaded: a bad model folder is then the only line printed
                progress.accept("seed: drew " + seed + " (pass --seed " + seed + " to reproduce)");
            }
            for (int from = 0; from < rows.size(); from += o.batchSize()) {
                List<Row> batch = rows.subList(from, Math.min(rows.size(), from + o.batchSize()));
                List<String> batchPrompts = batch.stream().map(Row::prompt).toList();
                long[] seeds = batch.stream().mapToLong(Row::seed).toArray();
                List<TextToImage.Picture> pictures = pipeline.generate(batchPrompts, seeds);
                for (int k = 0; k < batch.size(); k++) {
                    Row row = batch.get(k);
                    TextToImage.Picture picture = pictures.get(k);
                    String file = row.line() + "-" + row.image() + ".png";
                    Files.write(o.out().resolve(file), picture.image().png());
                    JsonObject line = new JsonObject();
                    line.addProperty("line", row.line());
                    line.addProperty("prompt", row.prompt());
                    line.addProperty("image", row.image());
                    line.addProperty("seed", row.seed());
                    line.addProperty("file", file);
                    line.addProperty("text_image_alignment", Math.round(picture.textImageAlignment() * 1e6) / 1e6);
                    index.write(gson.toJson(line));
                    index.write('\n');
                }
                if (rows.size() > o.batchSize()) {
                    progress.accept(String.format(Locale.ROOT, "batch %d: %d/%d pictures",
                            from / o.batchSize() + 1, from + batch.size(), rows.size()));
                }
            }
        }
        return new Summary(prompts.size(), rows.size(), seed, drawn, (System.nanoTime() - start) / 1e9, o.out());
    }

    private record Row(int line, int image, String prompt, long seed) {}
}
