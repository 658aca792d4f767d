package dev.umbra.shapes.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.generate.TextToImage;
import dev.umbra.io.OutputFolder;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.JsonFiles;
import dev.umbra.shapes.detect.DetectedObject;
import dev.umbra.shapes.detect.Detector;
import dev.umbra.shapes.detect.SceneJudge;
import dev.umbra.shapes.train.ShapesTraining;
import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.ShapesWorld;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code eval}: generates pictures for seen and unseen prompts with every prior of a model (the shipped ECLIPSE
 * prior, the Projection baseline and the lambda sweep), scores them with the detector, and writes the report:
 * {@code OUT/shapes-world.md} with its charts under {@code OUT/shapes-world/}.
 */
public final class ShapesEval {

    /**
     * @param model          a train-shapes folder, or null for the embedded default
     * @param images         pictures per prompt
     * @param pairsPerSet    two-object prompts in each of the seen and unseen sets
     * @param detectorScenes ground-truth renders the detector is checked on
     */
    public record Options(Path model, Path out, int images, long seed, int pairsPerSet, int detectorScenes,
                          int batchSize, RuntimeOptions runtime) {}

    /** One prior's scores per prompt set; {@code reranked}: with the decoder's CLIP reranking (the default). */
    public record PriorResult(String label, float lambda, boolean shipped, boolean reranked, Map<String, Scores> sets) {}

    /** A pipeline's scores per set, how many pictures they took, and the diversity of the first set. */
    record Evaluated(Map<String, Scores> bySet, int pictures, Diversity diversity) {}

    /** Spread among pictures of one prompt, averaged over prompts. */
    public record Diversity(double pixelDistance, double centroidSpread, double truthPixelDistance,
                            double truthCentroidSpread) {}

    /** Everything the report says. */
    public record Report(Scores detector, List<PriorResult> priors, Diversity diversity, double inWorldAlignment,
                         double outOfWorldAlignment, double picturesPerSecond, JsonObject training, Path markdown) {}

    /** Prompts outside the world's vocabulary: they still get a picture, and a low alignment says how much to trust it. */
    static final List<String> OUT_OF_WORLD = List.of(
            "an astronaut riding a horse", "a bowl of ramen on a wooden table", "the eiffel tower at night",
            "a cat wearing sunglasses");

    private ShapesEval() {}

    public static Report run(Options o, Consumer<String> progress) throws IOException {
        OutputFolder.prepare(o.out());
        Path assets = OutputFolder.prepare(o.out().resolve("shapes-world"));
        Path modelDir = o.model() != null ? o.model() : EmbeddedModels.defaultModelDir();
        String name = o.model() == null ? EmbeddedModels.DEFAULT_MODEL_NAME : null;

        progress.accept("detector: checking it on " + o.detectorScenes() + " ground-truth renders");
        Scores detector = DetectorCheck.run(o.detectorScenes(), o.seed());
        progress.accept(String.format(Locale.ROOT, "detector: color %.1f%%, shape %.1f%%, relation %.1f%%",
                100 * detector.color(), 100 * detector.shape(), 100 * detector.relation()));

        JsonObject training = readTraining(modelDir);
        List<EvalPrompts.PromptSet> sets = EvalPrompts.all(o.pairsPerSet(), o.seed());
        List<PriorResult> priors = new ArrayList<>();
        Diversity diversity = null;
        double inWorld = Double.NaN;
        double outOfWorld = Double.NaN;
        double picturesPerSecond = Double.NaN;
        TextToImage.Parts base = TextToImage.Parts.of(modelDir, name);
        for (PriorChoice choice : priorChoices(modelDir, training)) {
            progress.accept(String.format(Locale.ROOT, "%s: generating %d pictures", choice.label(),
                    sets.stream().mapToInt(s -> s.scenes().size()).sum() * o.images()));
            try (TextToImage pipeline = TextToImage.load(base.withPrior(choice.dir()), o.runtime())) {
                long start = System.nanoTime();
                Evaluated e = evaluate(pipeline, sets, o);
                double seconds = (System.nanoTime() - start) / 1e9;
                priors.add(new PriorResult(choice.label(), choice.lambda(), choice.shipped(), true, e.bySet()));
                report(progress, choice.label(), e.bySet());
                if (choice.shipped()) {
                    picturesPerSecond = e.pictures() / seconds;
                    diversity = e.diversity();
                    inWorld = e.bySet().get("single, seen").alignment();
                    outOfWorld = meanAlignment(pipeline, OUT_OF_WORLD, o.seed());
                    Charts.grid(pipeline, gridScenes(sets), 6, o.seed() + 7, assets.resolve("grid.png"));
                }
            }
            if (choice.shipped()) {
                // the same prior and seeds with the decoder alone: what CLIP reranking adds
                String label = choice.label() + ", without reranking";
                try (TextToImage pipeline = TextToImage.load(base.withPrior(choice.dir()), o.runtime(),
                        new ShapesImageDecoder.Sampling(ShapesImageDecoder.Sampling.DEFAULT.temperature(), 1))) {
                    Evaluated e = evaluate(pipeline, sets, o);
                    priors.add(new PriorResult(label, choice.lambda(), false, false, e.bySet()));
                    report(progress, label, e.bySet());
                }
            }
        }
        List<PriorResult> sweep = priors.stream().filter(PriorResult::reranked).toList();
        if (sweep.size() > 1) {
            Charts.lambdaSweep(sweep, assets.resolve("lambda-sweep.png"));
        }
        Path markdown = o.out().resolve("shapes-world.md");
        Report report = new Report(detector, priors, diversity, inWorld, outOfWorld, picturesPerSecond, training,
                markdown);
        Files.writeString(markdown, ReportWriter.write(report, o, modelDir));
        progress.accept("wrote " + markdown);
        return report;
    }

    /** Every picture of every set, judged by the detector; image j of scene k of set s has a seed of its own. */
    static Evaluated evaluate(TextToImage pipeline, List<EvalPrompts.PromptSet> sets, Options o) {
        Map<String, Scores> bySet = new LinkedHashMap<>();
        int pictures = 0;
        Diversity diversity = null;
        for (int s = 0; s < sets.size(); s++) {
            EvalPrompts.PromptSet set = sets.get(s);
            Scores scores = new Scores();
            List<List<TextToImage.Picture>> perScene = generate(pipeline, set.scenes(), o.images(),
                    o.seed() + 1_000_000L * (s + 1), o.batchSize());
            for (int k = 0; k < set.scenes().size(); k++) {
                for (TextToImage.Picture p : perScene.get(k)) {
                    List<DetectedObject> found = Detector.detect(p.image().rgb(), p.image().width());
                    scores.add(SceneJudge.judge(set.scenes().get(k), found), p.textImageAlignment());
                    pictures++;
                }
            }
            bySet.put(set.name(), scores);
            if (s == 0) {
                diversity = diversity(set.scenes(), perScene, o.images(), o.seed());
            }
        }
        return new Evaluated(bySet, pictures, diversity);
    }

    private static void report(Consumer<String> progress, String label, Map<String, Scores> bySet) {
        Scores seen = bySet.get("single, seen");
        progress.accept(String.format(Locale.ROOT,
                "%s: single seen color %.1f%% shape %.1f%%; unseen both %.1f%%; pair relation %.1f%%",
                label, 100 * seen.color(), 100 * seen.shape(), 100 * bySet.get("single, unseen").both(),
                100 * bySet.get("pair, seen").relation()));
    }

    /** A prior to evaluate: the shipped one ({@code prior/}) and the sweep's ({@code priors/lambda-X/}). */
    record PriorChoice(String label, float lambda, boolean shipped, Path dir) {}

    static List<PriorChoice> priorChoices(Path modelDir, JsonObject training) {
        List<PriorChoice> out = new ArrayList<>();
        if (training == null || !training.has("plan")) {
            out.add(new PriorChoice("ECLIPSE (prior/)", Float.NaN, true, modelDir.resolve(ShapesTraining.PRIOR)));
            return out;
        }
        JsonObject plan = training.getAsJsonObject("plan");
        float shipped = plan.get("shippedLambda").getAsFloat();
        for (JsonElement e : plan.getAsJsonArray("lambdas")) {
            float lambda = e.getAsFloat();
            Path dir = ShapesTraining.priorDir(modelDir, lambda, shipped);
            String label = lambda == 0 ? "Projection (lambda 0)"
                    : String.format(Locale.ROOT, "ECLIPSE (lambda %.1f%s)", lambda, lambda == shipped ? ", shipped" : "");
            if (Files.isDirectory(dir)) {
                out.add(new PriorChoice(label, lambda, lambda == shipped, dir));
            }
        }
        return out;
    }

    private static JsonObject readTraining(Path modelDir) {
        Path file = modelDir.resolve("training.json");
        return Files.isRegularFile(file) ? JsonFiles.readObject(file) : null;
    }

    /** {@code images} pictures of each scene's plain caption; image j of scene k uses seed {@code seed + k * images + j}. */
    static List<List<TextToImage.Picture>> generate(TextToImage pipeline, List<Scene> scenes, int images, long seed,
                                                    int batchSize) {
        List<String> prompts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        for (int k = 0; k < scenes.size(); k++) {
            for (int j = 0; j < images; j++) {
                prompts.add(CaptionGrammar.caption(scenes.get(k)));
                seeds.add(seed + (long) k * images + j);
            }
        }
        List<TextToImage.Picture> all = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += batchSize) {
            int to = Math.min(prompts.size(), from + batchSize);
            all.addAll(pipeline.generate(prompts.subList(from, to),
                    seeds.subList(from, to).stream().mapToLong(Long::longValue).toArray()));
        }
        List<List<TextToImage.Picture>> out = new ArrayList<>();
        for (int k = 0; k < scenes.size(); k++) {
            out.add(all.subList(k * images, (k + 1) * images));
        }
        return out;
    }

    private static double meanAlignment(TextToImage pipeline, List<String> prompts, long seed) {
        long[] seeds = new long[prompts.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = seed + i;
        }
        return pipeline.generate(prompts, seeds).stream().mapToDouble(TextToImage.Picture::textImageAlignment)
                .average().orElse(Double.NaN);
    }

    /** The pictures' spread per prompt next to the spread of ground-truth renders of the same prompts. */
    static Diversity diversity(List<Scene> scenes, List<List<TextToImage.Picture>> pictures, int images, long seed) {
        double pixel = 0;
        double centroid = 0;
        double truthPixel = 0;
        double truthCentroid = 0;
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < scenes.size(); k++) {
            List<int[]> generated = pictures.get(k).stream().map(p -> p.image().rgb()).toList();
            List<int[]> truth = new ArrayList<>();
            for (int j = 0; j < images; j++) {
                truth.add(Renderer.render(scenes.get(k), random).rgb());
            }
            pixel += PictureStats.meanPairwiseDistance(generated);
            centroid += PictureStats.centroidSpread(generated, ShapesWorld.CANVAS);
            truthPixel += PictureStats.meanPairwiseDistance(truth);
            truthCentroid += PictureStats.centroidSpread(truth, ShapesWorld.CANVAS);
        }
        int n = scenes.size();
        return new Diversity(pixel / n, centroid / n, truthPixel / n, truthCentroid / n);
    }

    /** The grid's rows: a few prompts of each set. */
    private static List<Scene> gridScenes(List<EvalPrompts.PromptSet> sets) {
        List<Scene> out = new ArrayList<>();
        int[] perSet = {5, 3, 3, 2};
        for (int s = 0; s < sets.size(); s++) {
            List<Scene> scenes = sets.get(s).scenes();
            int step = Math.max(1, scenes.size() / perSet[s]);
            for (int k = 0; k < perSet[s] && k * step < scenes.size(); k++) {
                out.add(scenes.get(k * step));
            }
        }
        return out;
    }
}
