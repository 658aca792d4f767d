package dev.umbra.shapes.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.SafetensorsFile;
import dev.umbra.shapes.train.ShapesTraining;
import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapesWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes {@code shapes-world.md} from a finished evaluation. */
final class ReportWriter {

    private ReportWriter() {}

    static String write(ShapesEval.Report r, ShapesEval.Options o, Path modelDir) {
        StringBuilder md = new StringBuilder();
        md.append("# The shapes world\n\n");
        md.append("Umbra trains its own small unCLIP stack, every part real and measurable: a mini-CLIP (the project's\n")
          .append("`CLIPTextModelWithProjection` and `CLIPVisionModelWithProjection`), ECLIPSE priors (`PriorTransformer`,\n")
          .append("trained with the paper's loss) and a decoder. It is the embedded default model of `demo`, `run`, `embed`\n")
          .append("and `generate`, and a miniature of the paper's experiments.\n\n");
        md.append("This page is written by `eval` (").append(LocalDate.now(ZoneOffset.UTC)).append("):\n\n```\n")
          .append("java -jar worker/target/umbra-worker.jar eval")
          .append(o.model() == null ? "" : " --model " + o.model())
          .append(" --out ").append(o.out()).append(" --images ").append(o.images())
          .append(" --seed ").append(o.seed()).append("\n```\n\n");

        world(md);
        models(md, modelDir);
        training(md, r.training());
        detector(md, r.detector(), o.detectorScenes());
        comparison(md, r.priors(), o);
        sweep(md, r.priors());
        diversity(md, r.diversity(), o.images());
        outOfWorld(md, r);
        md.append("## Samples\n\n").append("Each row: the prompt, one ground-truth render of it, and six pictures generated")
          .append(" with the shipped prior and six seeds. Rows marked unseen use a held-out color-shape combination.\n\n")
          .append("![prompts and samples](shapes-world/grid.png)\n");
        return md.toString();
    }

    private static void world(StringBuilder md) {
        md.append("## The world\n\n")
          .append(String.format(Locale.ROOT, "- Canvas %dx%d RGB; background RGB (%d, %d, %d), jittered by at most %d per"
                  + " channel per image.%n", ShapesWorld.CANVAS, ShapesWorld.CANVAS, ShapesWorld.BACKGROUND,
                  ShapesWorld.BACKGROUND, ShapesWorld.BACKGROUND, ShapesWorld.BACKGROUND_JITTER))
          .append("- Colors (sRGB centres, each object jittered by at most ").append(ShapesWorld.COLOR_JITTER)
          .append(" per channel):");
        for (ShapeColor c : ShapeColor.values()) {
            md.append(String.format(Locale.ROOT, " %s (%d, %d, %d)%s", c.word(), c.r(), c.g(), c.b(),
                    c.ordinal() == ShapeColor.values().length - 1 ? ".\n" : ","));
        }
        md.append("- Shapes, filled, anti-aliased, no outline: circle, square, triangle (isosceles, apex up), cross (arms a")
          .append(" third of its width). Small (about 14 px) or large (about 26 px), size jittered by up to 15%;")
          .append(" uniform positions.\n")
          .append("- Scenes: one object, or two in a relation (left of, right of, above, below), never overlapping, the")
          .append(" relation unambiguous (further along its axis than across it by at least ")
          .append((int) ShapesWorld.RELATION_MARGIN).append(" px).\n")
          .append("- Captions: \"a red circle\", \"red circle\", \"a circle that is red\", \"a picture of a red circle\",")
          .append(" sizes named a third of the time; \"a red circle to the left of a blue square\" and its variants.\n")
          .append("- Held out of all training data, alone or in a pair: red triangle, green cross, blue circle, yellow")
          .append(" square, purple triangle, orange circle. These are the unseen combinations below.\n\n");
    }

    private static void models(StringBuilder md, Path modelDir) {
        md.append("## The models\n\n| Part | Folder | Class | Parameters |\n|---|---|---|---|\n");
        part(md, modelDir, ShapesTraining.TEXT_ENCODER, ShapesTraining.TEXT_ENCODER_WEIGHTS,
                "`CLIPTextModelWithProjection`, the real CLIP tokenizer");
        part(md, modelDir, ShapesTraining.IMAGE_ENCODER, ShapesTraining.IMAGE_ENCODER_WEIGHTS,
                "`CLIPVisionModelWithProjection` (ViT, 8x8 patches)");
        part(md, modelDir, ShapesTraining.PRIOR, ShapesTraining.PRIOR_WEIGHTS, "ECLIPSE `PriorTransformer`");
        part(md, modelDir, ShapesTraining.DECODER, ShapesTraining.DECODER_WEIGHTS,
                "`ShapesDecoder` (conditional VAE generator)");
        md.append("\nThe decoder is the generator of a conditional VAE. Why not a diffusion model, as the paper's")
          .append(" decoders are: what matters here is what they share, that a picture is a function of the image")
          .append(" embedding *and* fresh noise, so that one embedding gives many pictures. A VAE does that, trains in")
          .append(" a quarter of an hour on two CPU cores and draws in one forward pass, where a diffusion decoder of")
          .append(" useful quality would need far more training than this world's budget and tens of passes per")
          .append(" picture. Three choices make its pictures hold together:\n\n")
          .append("- It learns from the embedding of *another* rendering of the same scene, as a prompt describes it,")
          .append(" so it takes colors, shapes and relation from the embedding and positions and sizes from its latent")
          .append(" (the prior's embedding, made from text, carries no position).\n")
          .append("- Its latent comes from a learned conditional prior p(z | embedding) (Sohn et al., 2015), not a")
          .append(" fixed N(0, 1): one object's placement and two objects' are distributed differently.\n")
          .append("- It draws several candidates per picture (8 by default) and keeps the one whose mini-CLIP image")
          .append(" embedding is nearest the requested one, as DALL-E reranked its samples with CLIP. `generate")
          .append(" --candidates 1` turns it off.\n\n")
          .append("It reads only the embedding's direction, as CLIP compares embeddings by cosine.\n\n")
          .append("The reranker is only as good as the mini-CLIP's eye, so the mini-CLIP trains with hard negatives")
          .append(" in every batch (as NegCLIP, Yuksekgonul et al., 2023): beside a two-object scene, the same objects")
          .append(" in another relation or order; beside a one-object scene, its object twice (\"a red circle above a")
          .append(" red circle\"). Random batches almost never hold such pairs, and a CLIP trained without them is a bag")
          .append(" of words: it cannot tell one red circle from two. A model trained with relation twins only drew")
          .append(" 84.7% of seen single objects right, most misses a second blob of the same color that its reranker")
          .append(" could not see; the count twins brought that to the figure below.\n\n");
    }

    private static void part(StringBuilder md, Path modelDir, String folder, String weights, String what) {
        Path dir = modelDir.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return;
        }
        long params = 0;
        for (SafetensorsFile.Entry e : Checkpoint.open(dir, weights).entries().values()) {
            params += e.elements();
        }
        md.append(String.format(Locale.ROOT, "| %s | `%s/` | %s | %,d |%n", folder.replace('_', ' '), folder, what, params));
    }

    private static void training(StringBuilder md, JsonObject t) {
        md.append("## Training\n\n");
        if (t == null) {
            md.append("This model folder has no `training.json`.\n\n");
            return;
        }
        JsonObject seconds = t.getAsJsonObject("seconds");
        md.append("`java -jar worker/target/umbra-worker.jar train-shapes --seed ").append(t.get("seed").getAsLong())
          .append("` made this model on ").append(t.get("threads").getAsInt()).append(" CPU threads:\n\n")
          .append("| Phase | What | Minutes |\n|---|---|---|\n");
        JsonObject plan = t.getAsJsonObject("plan");
        JsonObject clip = plan.getAsJsonObject("clip");
        JsonObject prior = plan.getAsJsonObject("prior");
        JsonObject decoder = plan.getAsJsonObject("decoder");
        row(md, "mini-CLIP", String.format(Locale.ROOT, "%d steps of %d scenes, symmetric InfoNCE, learned temperature"
                + " (ends at %.4f)", clip.get("steps").getAsInt(), clip.get("batchSize").getAsInt(),
                t.get("clip_temperature").getAsDouble()), seconds.get("clip"));
        row(md, "embedding", plan.get("pairs").getAsInt() + " scenes and captions through the frozen mini-CLIP",
                seconds.get("embed"));
        row(md, "priors", String.format(Locale.ROOT, "%d priors (one per lambda), %d steps of %d each,"
                + " L_proj + lambda L_contrastive at temperature %.4f", plan.getAsJsonArray("lambdas").size(),
                prior.get("steps").getAsInt(), prior.get("batchSize").getAsInt(),
                t.get("prior_temperature").getAsDouble()), seconds.get("priors"));
        row(md, "decoder", String.format(Locale.ROOT, "%d steps of %d scenes, pixel sigma %.2f",
                decoder.get("steps").getAsInt(), decoder.get("batchSize").getAsInt(),
                decoder.get("pixelSigma").getAsDouble()), seconds.get("decoder"));
        row(md, "**total**", "", seconds.get("total"));
        md.append(String.format(Locale.ROOT, "%nThe mean norm of a mini-CLIP image embedding is %.1f, the scale at which"
                + " L_proj is measured. The loss log is `loss-log.csv` beside the model.%n%n",
                t.get("mean_image_embedding_norm").getAsDouble()));
    }

    private static void row(StringBuilder md, String phase, String what, JsonElement seconds) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %.1f |%n", phase, what, seconds.getAsDouble() / 60));
    }

    private static void detector(StringBuilder md, Scores d, int scenes) {
        md.append("## The detector\n\n")
          .append("No learning: pixels far from the background (estimated from the border) form connected components;")
          .append(" a component's color is the nearest world color to its core pixels, its shape the template (disc,")
          .append(" square, triangle, plus) that overlaps it best in its bounding box; the relation comes from the")
          .append(" centroids. On ").append(scenes).append(" ground-truth renders of all 24 combinations:\n\n")
          .append("| Color | Shape | Relation |\n|---|---|---|\n")
          .append(String.format(Locale.ROOT, "| %s | %s | %s |%n%n", pct(d.color()), pct(d.shape()), pct(d.relation())))
          .append(DetectorCheck.trusted(d) ? "All three are at least 95%, so the scores below can be trusted.\n\n"
                  : "**Below the 95% required on at least one: the scores below are not to be trusted.**\n\n");
    }

    private static void comparison(StringBuilder md, List<ShapesEval.PriorResult> priors, ShapesEval.Options o) {
        md.append("## Projection against ECLIPSE (the paper's Table 5 in miniature)\n\n")
          .append(String.format(Locale.ROOT, "%d pictures per prompt; single objects: the 18 seen and the 6 unseen"
                  + " combinations; pairs: %d prompts with both objects seen, %d with at least one unseen. Color, shape"
                  + " and both count objects; relation counts two-object pictures whose two objects are both right"
                  + " and in the named relation; position counts those in the named relation whatever they look like;"
                  + " CLIP score is the mini-CLIP cosine of prompt and picture.%n%n", o.images(), o.pairsPerSet(),
                  o.pairsPerSet()))
          .append("| Prior | Prompts | Color | Shape | Both | Relation | Position | CLIP score |\n")
          .append("|---|---|---|---|---|---|---|---|\n");
        for (ShapesEval.PriorResult p : priors) {
            if (p.reranked() && p.lambda() != 0 && !p.shipped()) {
                continue;
            }
            for (Map.Entry<String, Scores> e : p.sets().entrySet()) {
                Scores s = e.getValue();
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %.3f |%n", p.label(),
                        e.getKey(), pct(s.color()), pct(s.shape()), pct(s.both()), pct(s.relation()),
                        pct(s.position()), s.alignment()));
            }
        }
        ShapesEval.PriorResult projection = priors.stream().filter(p -> p.lambda() == 0 && p.reranked())
                .findFirst().orElse(null);
        ShapesEval.PriorResult eclipse = priors.stream().filter(ShapesEval.PriorResult::shipped).findFirst().orElse(null);
        if (projection != null && eclipse != null && projection != eclipse) {
            double pu = projection.sets().get("single, unseen").both();
            double eu = eclipse.sets().get("single, unseen").both();
            md.append(String.format(Locale.ROOT, "%nOn unseen single objects, ECLIPSE gets %s right and Projection %s:"
                    + " the contrastive term %s here.%n", pct(eu), pct(pu),
                    eu > pu ? "helps" : eu < pu ? "hurts" : "makes no difference"));
        }
        md.append('\n');
    }

    private static void sweep(StringBuilder md, List<ShapesEval.PriorResult> all) {
        List<ShapesEval.PriorResult> priors = all.stream().filter(ShapesEval.PriorResult::reranked).toList();
        if (priors.size() < 2) {
            return;
        }
        md.append("## Lambda sweep (the paper's Figure 8 in miniature)\n\n")
          .append("Every prior trained on the same pairs with the same seed and steps; only lambda differs.\n\n")
          .append("| lambda | single seen: both | single unseen: both | pair seen: relation | pair unseen: relation |"
                  + " CLIP score (single seen) |\n|---|---|---|---|---|---|\n");
        for (ShapesEval.PriorResult p : priors) {
            Map<String, Scores> s = p.sets();
            md.append(String.format(Locale.ROOT, "| %.1f%s | %s | %s | %s | %s | %.3f |%n", p.lambda(),
                    p.shipped() ? " (shipped)" : "", pct(s.get("single, seen").both()),
                    pct(s.get("single, unseen").both()), pct(s.get("pair, seen").relation()),
                    pct(s.get("pair, unseen").relation()), s.get("single, seen").alignment()));
        }
        md.append("\n![accuracy against lambda](shapes-world/lambda-sweep.png)\n\n");
    }

    private static void diversity(StringBuilder md, ShapesEval.Diversity d, int images) {
        if (d == null) {
            return;
        }
        md.append("## Diversity\n\n")
          .append(String.format(Locale.ROOT, "Over the %d pictures of each seen single-object prompt (shipped prior),"
                  + " averaged over the prompts, next to as many ground-truth renders of the same prompts:%n%n", images))
          .append("| | Mean pairwise pixel distance (RMS, 0-1) | Spread of object centres (px, RMS) |\n|---|---|---|\n")
          .append(String.format(Locale.ROOT, "| generated | %.3f | %.1f |%n", d.pixelDistance(), d.centroidSpread()))
          .append(String.format(Locale.ROOT, "| ground truth | %.3f | %.1f |%n%n", d.truthPixelDistance(),
                  d.truthCentroidSpread()));
    }

    private static void outOfWorld(StringBuilder md, ShapesEval.Report r) {
        md.append("## Prompts outside the world\n\n")
          .append("A prompt the world has no words for (\"an astronaut riding a horse\") still gets a picture, the")
          .append(" world's best guess; its CLIP score says how far it is from anything the world knows.\n\n")
          .append("| Prompts | Mean CLIP score |\n|---|---|\n")
          .append(String.format(Locale.ROOT, "| seen single objects | %.3f |%n", r.inWorldAlignment()))
          .append(String.format(Locale.ROOT, "| outside the world (%s) | %.3f |%n%n",
                  String.join("; ", ShapesEval.OUT_OF_WORLD), r.outOfWorldAlignment()))
          .append(String.format(Locale.ROOT, "Generation ran at %.0f pictures/s on this machine (prior, decoder and"
                  + " scoring, batched).%n%n", r.picturesPerSecond()));
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
