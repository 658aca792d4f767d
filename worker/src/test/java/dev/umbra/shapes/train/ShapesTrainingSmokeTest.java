package dev.umbra.shapes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.generate.TextToImage;
import dev.umbra.model.DjlRuntime;
import dev.umbra.model.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI does not retrain the shipped model (an hour); this runs a few steps of every trainer at small sizes, checks
 * that each loss falls, and that what is saved loads through the same path as a real checkpoint and draws.
 */
class ShapesTrainingSmokeTest {

    @TempDir
    static Path dir;
    static TrainingLog log;
    static List<String> progress = new ArrayList<>();

    @BeforeAll
    static void train() throws IOException {
        DjlRuntime.ensureOffline();
        ShapesTraining.Plan plan = ShapesTraining.Plan.smoke(3);
        List<String> lines = new ArrayList<>();
        ShapesTraining.Summary summary = ShapesTraining.run(plan, ShapesArchitecture.small(), dir, false, lines::add);
        progress.addAll(lines);
        log = summary.log();
    }

    @Test
    void everyLossFalls() {
        assertFalls("clip", 0, 80);
        assertFalls("prior lambda-0.0", 1, 40);
        assertFalls("prior lambda-0.2", 0, 40);
        assertFalls("decoder", 1, 40);   // the reconstruction: the total gains the prior-draw term halfway
    }

    private static void assertFalls(String phase, int part, int steps) {
        List<float[]> h = log.history(phase);
        assertEquals(steps, h.size(), phase);
        double first = 0;
        double last = 0;
        for (int i = 0; i < 8; i++) {
            first += h.get(i)[part];
            last += h.get(h.size() - 1 - i)[part];
        }
        assertTrue(last < 0.9 * first, phase + ": loss went from " + first / 8 + " to " + last / 8);
    }

    @Test
    void savesEveryPartInTheHuggingFaceLayout() throws IOException {
        for (String f : List.of("tokenizer/tokenizer.json", "text_encoder/config.json", "text_encoder/model.safetensors",
                "image_encoder/config.json", "image_encoder/model.safetensors", "prior/config.json",
                "prior/diffusion_pytorch_model.safetensors", "priors/lambda-0.0/diffusion_pytorch_model.safetensors",
                "decoder/config.json", "decoder/diffusion_pytorch_model.safetensors", "training.json", "files.txt",
                "loss-log.csv")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        List<String> manifest = Files.readAllLines(dir.resolve("files.txt"));
        assertTrue(manifest.contains("prior/diffusion_pytorch_model.safetensors"), manifest.toString());
        assertTrue(manifest.contains("training.json"), manifest.toString());
        assertTrue(manifest.stream().noneMatch(f -> f.startsWith("tokenizer/")), "the tokenizer is shared");
        List<String> csv = Files.readAllLines(dir.resolve("loss-log.csv"));
        assertEquals("phase,step,loss,part1,part2,seconds", csv.get(0));
        assertTrue(csv.size() > 1 + 4 * 3, "rows every " + TrainingLog.EVERY + " steps of each phase");
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("phase 4/4")), progress.toString());
    }

    @Test
    void whatWasSavedLoadsAndDraws() {
        try (TextToImage pipeline = TextToImage.load(TextToImage.Parts.of(dir, "smoke"), new RuntimeOptions("cpu", "auto", 0))) {
            List<TextToImage.Picture> pictures = pipeline.generate(List.of("a red circle", "an astronaut"),
                    new long[] {1, 2});
            assertEquals(2, pictures.size());
            for (TextToImage.Picture p : pictures) {
                assertEquals(64, p.image().width());
                assertTrue(p.textImageAlignment() >= -1 && p.textImageAlignment() <= 1);
            }
        }
    }
}
