package dev.umbra.shapes.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.umbra.decoder.shapes.ShapesDecoder;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.checkpoint.JsonFiles;
import dev.umbra.model.checkpoint.ModelFolder;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import dev.umbra.model.prior.PriorTransformer;
import dev.umbra.model.tokenizer.ClipTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code train-shapes}: trains the whole shapes world from scratch, in four phases, and saves every part in the
 * Hugging Face layout: the mini-CLIP ({@code text_encoder/}, {@code image_encoder/}), the ECLIPSE prior
 * ({@code prior/}, lambda 0.2) and the priors of the lambda sweep ({@code priors/lambda-X/}, lambda 0 being the
 * Projection baseline), and the decoder ({@code decoder/}); plus the tokenizer, a loss log and {@code training.json}.
 */
public final class ShapesTraining {

    public static final String TEXT_ENCODER = "text_encoder";
    public static final String IMAGE_ENCODER = "image_encoder";
    public static final String PRIOR = "prior";
    public static final String DECODER = "decoder";
    public static final String TEXT_ENCODER_WEIGHTS = "model.safetensors";
    public static final String IMAGE_ENCODER_WEIGHTS = "model.safetensors";
    public static final String PRIOR_WEIGHTS = "diffusion_pytorch_model.safetensors";
    public static final String DECODER_WEIGHTS = "diffusion_pytorch_model.safetensors";
    /** What a later run with {@code reuseClip} needs to know of the mini-CLIP phase. */
    static final String CLIP_RECORD = "clip-training.json";

    /**
     * What to train and for how long.
     *
     * @param pairs              scenes embedded once for the priors
     * @param lambdas            the sweep; each gets a prior trained on the same pairs with the same seed
     * @param shippedLambda      the sweep's member saved as {@code prior/}
     * @param priorTemperature   the contrastive term's temperature; null takes the one the mini-CLIP learned
     */
    public record Plan(long seed, ClipTrainer.Settings clip, int pairs, PriorTrainer.Settings prior,
                       List<Float> lambdas, float shippedLambda, Float priorTemperature,
                       DecoderTrainer.Settings decoder) {

        public Plan {
            lambdas = List.copyOf(lambdas);
            if (!lambdas.contains(shippedLambda)) {
                throw new IllegalArgumentException("the shipped lambda " + shippedLambda + " is not in the sweep " + lambdas);
            }
        }

        /** The shipped model's plan: about an hour on 2 CPU cores. */
        public static Plan defaults(long seed) {
            return new Plan(seed,
                    new ClipTrainer.Settings(3000, 128, 2e-3f, 32),
                    40_000,
                    new PriorTrainer.Settings(1200, 128, 1e-3f, 0.2f, 0f),
                    List.of(0f, 0.1f, 0.2f, 0.4f, 0.8f, 1.0f), 0.2f, null,
                    new DecoderTrainer.Settings(3500, 32, 1e-3f, 0.5f));
        }

        /** A few steps of everything at small batches: for tests that check that training runs and learns. */
        public static Plan smoke(long seed) {
            // No hard-negative twins: in so few steps at this size they hold the loss at chance (SceneBatchTest covers
            // them); the contrastive loss leaves chance later than the others, so CLIP gets 80 steps.
            return new Plan(seed, new ClipTrainer.Settings(80, 32, 2e-3f, 0), 512,
                    new PriorTrainer.Settings(40, 64, 1e-3f, 0.2f, 0f), List.of(0f, 0.2f), 0.2f, null,
                    new DecoderTrainer.Settings(40, 16, 1e-3f, 0.5f));
        }

        public Plan withPriorTemperature(Float temperature) {
            return new Plan(seed, clip, pairs, prior, lambdas, shippedLambda, temperature, decoder);
        }
    }

    /** Where the run ended: the folder, what training.json holds, and the log with every step's losses. */
    public record Summary(Path out, JsonObject record, TrainingLog log) {}

    private ShapesTraining() {}

    /** The folder of the sweep's prior for {@code lambda} ({@code prior/} for the shipped one). */
    public static Path priorDir(Path model, float lambda, float shippedLambda) {
        return lambda == shippedLambda ? model.resolve(PRIOR) : model.resolve("priors").resolve(lambdaName(lambda));
    }

    public static String lambdaName(float lambda) {
        return String.format(Locale.ROOT, "lambda-%.1f", lambda);
    }

    /**
     * Trains every part into {@code out}. With {@code reuseClip}, the mini-CLIP already in {@code out} (from an
     * earlier run of the same architecture) is loaded instead of trained, and only the priors and the decoder are.
     */
    public static Summary run(Plan plan, ShapesArchitecture arch, Path out, boolean reuseClip,
                              Consumer<String> progress) throws IOException {
        Files.createDirectories(out);
        Engine engine = DjlRuntime.engine();
        JsonObject record = new JsonObject();
        record.addProperty("seed", plan.seed());
        record.add("plan", new GsonBuilder().create().toJsonTree(plan));
        JsonObject seconds = new JsonObject();
        TrainingLog log = new TrainingLog(out.resolve("loss-log.csv"), progress);
        try (log;
             NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
             ClipTokenizer tokenizer = ClipTokenizer.load(EmbeddedModels.defaultTokenizerDir(), 0)) {
            TokenCache tokens = new TokenCache(tokenizer);
            engine.setRandomSeed((int) plan.seed());

            ClipTextModelWithProjection text = new ClipTextModelWithProjection(arch.text());
            ClipVisionModelWithProjection vision = new ClipVisionModelWithProjection(arch.vision());
            float clipTemperature;
            double t0 = log.seconds();
            if (reuseClip) {
                log.say("phase 1/4: reusing the mini-CLIP in " + out);
                ModelFolder.load(text, out.resolve(TEXT_ENCODER), TEXT_ENCODER_WEIGHTS, manager, DataType.FLOAT32,
                        Device.cpu());
                ModelFolder.load(vision, out.resolve(IMAGE_ENCODER), IMAGE_ENCODER_WEIGHTS, manager, DataType.FLOAT32,
                        Device.cpu());
                JsonObject previous = JsonFiles.readObject(out.resolve(CLIP_RECORD));
                clipTemperature = previous.get("clip_temperature").getAsFloat();
                record.add("clip_final_loss", previous.get("clip_final_loss"));
                seconds.add("clip", previous.get("seconds"));
            } else {
                log.say(String.format(Locale.ROOT, "phase 1/4: mini-CLIP, %d steps of %d scenes",
                        plan.clip().steps(), plan.clip().batchSize()));
                text.initialize(manager, DataType.FLOAT32, new Shape(1, TokenCache.TOKENS));
                vision.initialize(manager, DataType.FLOAT32,
                        new Shape(1, 3, arch.vision().imageSize(), arch.vision().imageSize()));
                LogitScale scale = new LogitScale();
                scale.initialize(manager, DataType.FLOAT32, new Shape(1));
                float clipLoss = ClipTrainer.train(text, vision, scale, manager, tokens, plan.clip(), plan.seed() + 1, log);
                ModelFolder.save(out.resolve(TEXT_ENCODER), arch.text().toJson(), TEXT_ENCODER_WEIGHTS, text,
                        TensorType.F16);
                ModelFolder.save(out.resolve(IMAGE_ENCODER), arch.vision().toJson(), IMAGE_ENCODER_WEIGHTS, vision,
                        TensorType.F16);
                copyTokenizer(out);
                clipTemperature = (float) Math.exp(-scale.get());
                record.addProperty("clip_final_loss", clipLoss);
                seconds.addProperty("clip", log.seconds() - t0);
                JsonObject clipRecord = new JsonObject();
                clipRecord.addProperty("clip_temperature", clipTemperature);
                clipRecord.addProperty("clip_final_loss", clipLoss);
                clipRecord.addProperty("seconds", log.seconds() - t0);
                Files.writeString(out.resolve(CLIP_RECORD), clipRecord + "\n");
            }
            record.addProperty("clip_temperature", clipTemperature);

            log.say(String.format(Locale.ROOT, "phase 2/4: embedding %d scenes and captions for the priors", plan.pairs()));
            t0 = log.seconds();
            EmbeddedScenes data = EmbeddedScenes.build(plan.pairs(), new SplittableRandom(plan.seed() + 2), text, vision,
                    manager, tokens);
            record.addProperty("mean_image_embedding_norm", data.meanImageNorm());
            seconds.addProperty("embed", log.seconds() - t0);

            float temperature = plan.priorTemperature() != null ? plan.priorTemperature() : clipTemperature;
            record.addProperty("prior_temperature", temperature);
            log.say(String.format(Locale.ROOT, "phase 3/4: %d ECLIPSE priors (lambda %s), %d steps of %d each,"
                    + " temperature %.4f", plan.lambdas().size(), plan.lambdas(), plan.prior().steps(),
                    plan.prior().batchSize(), temperature));
            t0 = log.seconds();
            JsonArray priors = new JsonArray();
            for (float lambda : plan.lambdas()) {
                try (NDManager priorManager = manager.newSubManager()) {
                    engine.setRandomSeed((int) plan.seed() + 3);
                    PriorTransformer prior = new PriorTransformer(arch.prior());
                    prior.initialize(priorManager, DataType.FLOAT32, new Shape(1, arch.prior().embeddingDim()));
                    PriorTrainer.Settings s = new PriorTrainer.Settings(plan.prior().steps(), plan.prior().batchSize(),
                            plan.prior().learningRate(), lambda, temperature);
                    float[] last = PriorTrainer.train(prior, priorManager, data, s, plan.seed() + 3, log,
                            "prior " + lambdaName(lambda));
                    ModelFolder.save(priorDir(out, lambda, plan.shippedLambda()), arch.prior().toJson(), PRIOR_WEIGHTS,
                            prior, TensorType.F16);
                    JsonObject p = new JsonObject();
                    p.addProperty("lambda", lambda);
                    p.addProperty("final_l_proj", last[1]);
                    p.addProperty("final_l_contrastive", last[2]);
                    priors.add(p);
                }
            }
            record.add("priors", priors);
            seconds.addProperty("priors", log.seconds() - t0);

            log.say(String.format(Locale.ROOT, "phase 4/4: decoder (conditional VAE), %d steps of %d scenes",
                    plan.decoder().steps(), plan.decoder().batchSize()));
            t0 = log.seconds();
            engine.setRandomSeed((int) plan.seed() + 4);
            ShapesDecoder decoder = new ShapesDecoder(arch.decoder());
            decoder.initialize(manager, DataType.FLOAT32, new Shape(1, arch.decoder().embeddingDim()));
            DecoderPosterior posterior = new DecoderPosterior(arch.decoder());
            posterior.initialize(manager, DataType.FLOAT32, new Shape(1, 3, arch.decoder().imageSize(),
                    arch.decoder().imageSize()));
            float[] last = DecoderTrainer.train(decoder, posterior, vision, manager, plan.decoder(), plan.seed() + 4, log);
            ModelFolder.save(out.resolve(DECODER), arch.decoder().toJson(), DECODER_WEIGHTS, decoder, TensorType.F16);
            record.addProperty("decoder_final_reconstruction", last[1]);
            record.addProperty("decoder_final_kl", last[2]);
            seconds.addProperty("decoder", log.seconds() - t0);
            seconds.addProperty("total", log.seconds());
            record.add("seconds", seconds);
            record.addProperty("threads", Runtime.getRuntime().availableProcessors());
            writeManifest(out);
            Files.writeString(out.resolve("training.json"),
                    new GsonBuilder().setPrettyPrinting().create().toJson(record) + "\n");
            log.say(String.format(Locale.ROOT, "done in %.1f min: %s", log.seconds() / 60, out));
        }
        return new Summary(out, record, log);
    }

    /** {@code files.txt}: the model's weights and configs, what the jar ships and extracts (the tokenizer is shared). */
    private static void writeManifest(Path out) throws IOException {
        List<String> files;
        try (Stream<Path> walk = Files.walk(out)) {
            files = walk.filter(Files::isRegularFile)
                    .map(p -> out.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith("tokenizer/"))
                    .filter(p -> p.endsWith("/" + ModelFolder.CONFIG) || p.endsWith(".safetensors"))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
        files.add("training.json");   // the model's provenance travels with it
        Collections.sort(files);
        Files.writeString(out.resolve("files.txt"), String.join("\n", files) + "\n");
    }

    private static void copyTokenizer(Path out) throws IOException {
        Path dir = out.resolve("tokenizer");
        Files.createDirectories(dir);
        Files.copy(EmbeddedModels.defaultTokenizerDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
    }
}
