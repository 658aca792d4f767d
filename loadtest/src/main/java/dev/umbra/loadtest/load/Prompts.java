package dev.umbra.loadtest.load;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where the prompts come from: the shapes world's grammar (what the worker's embedded default model knows, "a red
 * circle", "a blue square to the left of a green triangle") or a file. A run takes them in turn, request i the
 * prompt {@code i mod size}.
 */
public final class Prompts {

    /** How many prompts {@link #shapesWorld(long)} writes. */
    public static final int SHAPES_WORLD_PROMPTS = 1000;

    private static final String[] COLORS = {"red", "green", "blue", "yellow", "purple", "orange"};
    private static final String[] SHAPES = {"circle", "square", "triangle", "cross"};
    private static final String[] RELATIONS = {"to the left of", "to the right of", "above", "below"};

    private Prompts() {}

    /**
     * Prompts of the shapes world, half one object and half two in a relation, in the paraphrases of the worker's
     * caption grammar ("a red circle", "red circle", "a circle that is red", "a picture of a red circle").
     */
    public static List<String> shapesWorld(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> prompts = new ArrayList<>(SHAPES_WORLD_PROMPTS);
        for (int i = 0; i < SHAPES_WORLD_PROMPTS; i++) {
            String color = COLORS[random.nextInt(COLORS.length)];
            String shape = SHAPES[random.nextInt(SHAPES.length)];
            String a = color + " " + shape;
            if (random.nextBoolean()) {
                prompts.add(switch (random.nextInt(4)) {
                    case 0 -> "a " + a;
                    case 1 -> a;
                    case 2 -> "a " + shape + " that is " + color;
                    default -> "a picture of a " + a;
                });
            } else {
                String b;
                do {
                    b = COLORS[random.nextInt(COLORS.length)] + " " + SHAPES[random.nextInt(SHAPES.length)];
                } while (b.equals(a));
                String rel = RELATIONS[random.nextInt(RELATIONS.length)];
                prompts.add(switch (random.nextInt(4)) {
                    case 0 -> "a " + a + " " + rel + " a " + b;
                    case 1 -> a + " " + rel + " " + b;
                    case 2 -> "a " + a + " that is " + rel + " a " + b;
                    default -> "a picture of a " + a + " " + rel + " a " + b;
                });
            }
        }
        return List.copyOf(prompts);
    }

    /**
     * One prompt per line of a UTF-8 file; blank lines are skipped, lines are stripped.
     *
     * @throws IOException naming the file: missing, unreadable, not UTF-8, or without a prompt
     */
    public static List<String> fromFile(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (MalformedInputException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<String> prompts = lines.stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (prompts.isEmpty()) {
            throw new IOException(file + ": no prompts (every line is blank)");
        }
        return prompts;
    }
}
