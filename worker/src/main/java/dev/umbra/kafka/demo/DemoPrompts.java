package dev.umbra.kafka.demo;

import dev.umbra.io.PromptsFile;
import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.SceneObject;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where the demo's prompts come from: a file, the shapes world's grammar (the default, since the default model is
 * the shapes world's), or the T2I-CompBench validation prompts shipped in the jar (for real checkpoints).
 */
public final class DemoPrompts {

    /** How many prompts {@link #world()} writes; the demo cycles through them. */
    public static final int WORLD_PROMPTS = 500;

    /** The shipped categories, resources {@code umbra/prompts/<category>_val.txt}. */
    public static final List<String> SHIPPED_CATEGORIES =
            List.of("color", "shape", "texture", "spatial", "non_spatial");

    private DemoPrompts() {}

    /** One prompt per line of a UTF-8 file. */
    public static List<String> fromFile(Path file) throws IOException {
        try {
            return PromptsFile.read(file);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Prompts of the shapes world, fixed: one or two objects of all 24 color-shape combinations (the held-out ones
     * too), in every paraphrase of the grammar.
     */
    public static List<String> world() {
        List<SceneObject> all = new ArrayList<>(ShapesWorld.seenCombinations());
        all.addAll(ShapesWorld.unseenCombinations());
        SceneSampler sampler = new SceneSampler(all, 0.5, 0.35);
        SplittableRandom random = new SplittableRandom(WORLD_PROMPTS);
        List<String> prompts = new ArrayList<>(WORLD_PROMPTS);
        for (int i = 0; i < WORLD_PROMPTS; i++) {
            prompts.add(CaptionGrammar.caption(sampler.sample(random), random));
        }
        return prompts;
    }

    /** The T2I-CompBench prompts, taking one category after another in turn so that any prefix mixes all of them. */
    public static List<String> compBench() {
        List<List<String>> categories = new ArrayList<>();
        for (String category : SHIPPED_CATEGORIES) {
            categories.add(readResource("/umbra/prompts/" + category + "_val.txt"));
        }
        List<String> mixed = new ArrayList<>();
        for (int i = 0; mixed.size() < categories.stream().mapToInt(List::size).sum(); i++) {
            for (List<String> category : categories) {
                if (i < category.size()) {
                    mixed.add(category.get(i));
                }
            }
        }
        return mixed;
    }

    private static List<String> readResource(String resource) {
        try (InputStream in = DemoPrompts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("shipped prompts " + resource + " are missing from the jar");
            }
            List<String> lines = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    lines.add(line.strip());
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
