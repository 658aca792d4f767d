package dev.umbra.model.init;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.umbra.io.OutputFolder;
import dev.umbra.io.UsageException;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.checkpoint.ModelFolder;
import dev.umbra.model.checkpoint.SafetensorsWriter.TensorSpec;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code init-model}: writes a model folder of a preset's real sizes with random weights, in the layout
 * {@link EclipseModel#load} reads (and the Hugging Face hub publishes):
 *
 * <pre>
 * OUT/tokenizer/tokenizer.json                        the shipped CLIP tokenizer (and its NOTICE)
 * OUT/text_encoder/config.json, model.safetensors     CLIPTextModelWithProjection
 * OUT/prior/config.json, diffusion_pytorch_model.safetensors   ECLIPSE PriorTransformer
 * OUT/README.md                                       what made the folder: preset, seed, dtype
 * </pre>
 *
 * <p>Weights are written tensor by tensor ({@link RandomCheckpoint}): memory stays at one tensor, so the
 * Kandinsky preset's 1.4 GB (float16) needs no large heap. The same preset, seed and dtype give the same bytes.
 * Each weights file is written under a {@code .part} name and renamed when complete.
 */
public final class InitModelJob {

    public static final String TOKENIZER = "tokenizer";
    public static final String TEXT_ENCODER = "text_encoder";
    public static final String PRIOR = "prior";

    private static final String TOKENIZER_RESOURCE = "/umbra/tokenizer/clip/";
    private static final int PROGRESS_STEPS = 10;
    // Parts smaller than this are written in well under a second: no progress lines for them.
    private static final long PROGRESS_MIN_PARAMETERS = 50_000_000L;

    /**
     * What to write.
     *
     * @param dtype  the weights' stored type; null for the preset's default (float16, or float32 for tiny)
     * @param dryRun only plan: print the parts, tensors, parameters and bytes, write nothing
     */
    public record Options(ModelPreset preset, Path out, long seed, TensorType dtype, boolean dryRun) {}

    /** One part of the folder: its subfolder, weights file, tensor and parameter counts, and bytes of tensor data. */
    public record Part(String folder, String weightsFile, int tensors, long parameters, long bytes) {}

    public record Summary(ModelPreset preset, Path out, long seed, TensorType dtype, List<Part> parts,
                          double seconds, boolean dryRun) {
        public long parameters() {
            return parts.stream().mapToLong(Part::parameters).sum();
        }

        public long bytes() {
            return parts.stream().mapToLong(Part::bytes).sum();
        }

        public String describe() {
            StringBuilder s = new StringBuilder(dryRun ? "would write " : "wrote ");
            s.append(preset.cliName()).append(" model (random weights, seed ").append(seed).append(", ")
                    .append(typeName(dtype)).append("): ");
            for (int i = 0; i < parts.size(); i++) {
                Part p = parts.get(i);
                s.append(i == 0 ? "" : " + ").append(p.folder()).append(' ')
                        .append(String.format(Locale.ROOT, "%,d", p.parameters()));
            }
            s.append(String.format(Locale.ROOT, " parameters, %s", gigabytes(bytes())));
            if (!dryRun) {
                s.append(String.format(Locale.ROOT, " in %.1f s", seconds));
            }
            return s.append("; ").append(out).toString();
        }
    }

    private InitModelJob() {}

    /** The parts a preset writes, with their sizes, computed from the configs without making any tensor. */
    public static List<Part> plan(ModelPreset preset, TensorType dtype) {
        List<Part> parts = new ArrayList<>();
        for (PartSource p : sources(preset, dtype)) {
            parts.add(p.part());
        }
        return parts;
    }

    public static Summary run(Options o, Consumer<String> progress) throws IOException {
        TensorType dtype = o.dtype() == null ? o.preset().defaultType() : o.dtype();
        if (dtype != TensorType.F32 && dtype != TensorType.F16) {
            throw new UsageException("--dtype must be float32 or float16 (got " + dtype + ")");
        }
        List<PartSource> sources = sources(o.preset(), dtype);
        List<Part> parts = sources.stream().map(PartSource::part).toList();
        Path out = o.dryRun() ? o.out() : prepareEmpty(o.out());
        progress.accept(String.format(Locale.ROOT, "init-model: %s, %s: %s, %s, seed %d", o.preset().cliName(),
                o.preset().description(), typeName(dtype), gigabytes(parts.stream().mapToLong(Part::bytes).sum()),
                o.seed()));
        if (o.dryRun()) {
            for (Part p : parts) {
                progress.accept(String.format(Locale.ROOT, "%s/%s: %,d parameters in %d tensors, %s", p.folder(),
                        p.weightsFile(), p.parameters(), p.tensors(), gigabytes(p.bytes())));
            }
            return new Summary(o.preset(), o.out(), o.seed(), dtype, parts, 0, true);
        }
        long start = System.nanoTime();
        writeTokenizer(out.resolve(TOKENIZER));
        DjlRuntime.ensureOffline();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            for (PartSource source : sources) {
                writePart(out, source, o.seed(), manager, progress);
            }
        }
        Files.writeString(out.resolve("README.md"), readme(o.preset(), o.seed(), dtype, parts));
        return new Summary(o.preset(), out, o.seed(), dtype, parts, (System.nanoTime() - start) / 1e9, false);
    }

    /** A part before it is written: the block that declares its tensors, and its config. */
    private record PartSource(String folder, String weightsFile, JsonObject config, RandomCheckpoint checkpoint) {
        Part part() {
            return new Part(folder, weightsFile, checkpoint.specs().size(), checkpoint.parameterCount(),
                    checkpoint.tensorBytes());
        }
    }

    private static List<PartSource> sources(ModelPreset preset, TensorType dtype) {
        ClipTextConfig text = preset.textEncoder();
        PriorConfig prior = preset.prior();
        HfBlock textEncoder = new ClipTextModelWithProjection(text);
        HfBlock priorBlock = new PriorTransformer(prior);
        return List.of(
                new PartSource(TEXT_ENCODER, EclipseModel.TEXT_ENCODER_WEIGHTS, text.toJson(),
                        RandomCheckpoint.of(textEncoder, dtype)),
                new PartSource(PRIOR, EclipseModel.PRIOR_WEIGHTS, prior.toJson(), RandomCheckpoint.of(priorBlock, dtype)));
    }

    private static void writePart(Path out, PartSource source, long seed, NDManager manager, Consumer<String> progress)
            throws IOException {
        Part part = source.part();
        Path dir = out.resolve(source.folder());
        ModelFolder.writeConfig(dir, source.config());
        Path file = dir.resolve(source.weightsFile());
        Path partial = dir.resolve(source.weightsFile() + ".part");
        progress.accept(String.format(Locale.ROOT, "%s: %,d parameters in %d tensors, %s -> %s", source.folder(),
                part.parameters(), part.tensors(), gigabytes(part.bytes()), file));
        long start = System.nanoTime();
        long[] done = {0};
        int[] reported = {0};
        source.checkpoint().write(partial, seed, manager, (TensorSpec spec) -> {
            done[0] += spec.elements();
            int step = (int) (done[0] * PROGRESS_STEPS / Math.max(1, part.parameters()));
            if (part.parameters() >= PROGRESS_MIN_PARAMETERS && step > reported[0] && step < PROGRESS_STEPS) {
                reported[0] = step;
                progress.accept(String.format(Locale.ROOT, "%s: %d%% (%,d parameters), %.1f s", source.folder(),
                        step * 100 / PROGRESS_STEPS, done[0], (System.nanoTime() - start) / 1e9));
            }
        });
        try {
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
        }
        progress.accept(String.format(Locale.ROOT, "%s: done, %.1f s", source.folder(), (System.nanoTime() - start) / 1e9));
    }

    /** Creates {@code out}, which must be new or empty: a model folder is never written over. */
    private static Path prepareEmpty(Path out) throws IOException {
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new UsageException(out + ": is not empty; init-model writes a new model folder");
                }
            }
        }
        return OutputFolder.prepare(out);
    }

    private static void writeTokenizer(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(EmbeddedModels.defaultTokenizerDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (InputStream notice = InitModelJob.class.getResourceAsStream(TOKENIZER_RESOURCE + "NOTICE")) {
            if (notice != null) {
                Files.copy(notice, dir.resolve("NOTICE"));
            }
        }
    }

    private static String readme(ModelPreset preset, long seed, TensorType dtype, List<Part> parts) {
        StringBuilder s = new StringBuilder();
        s.append("# Random weights: ").append(preset.cliName()).append(" preset\n\n");
        s.append("Made by `umbra-worker init-model --preset ").append(preset.cliName()).append(" --seed ").append(seed)
                .append(" --dtype ").append(typeName(dtype)).append("`: ").append(preset.description())
                .append(", with **random weights**. The sizes and the file layout are those of the released"
                        + " checkpoints; the embeddings mean nothing. For benchmarks and real-size runs without a"
                        + " download.\n\n");
        s.append("| part | weights | tensors | parameters |\n|---|---|---|---|\n");
        for (Part p : parts) {
            s.append(String.format(Locale.ROOT, "| `%s/` | `%s` | %d | %,d |%n", p.folder(), p.weightsFile(),
                    p.tensors(), p.parameters()));
        }
        s.append("\nThe tokenizer is the CLIP tokenizer shipped with Umbra (MIT, OpenAI; see `tokenizer/NOTICE`).\n");
        return s.toString();
    }

    static String typeName(TensorType t) {
        return t == TensorType.F16 ? "float16" : "float32";
    }

    private static String gigabytes(long bytes) {
        return bytes >= 1_000_000_000L
                ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
