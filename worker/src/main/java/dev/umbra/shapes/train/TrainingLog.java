package dev.umbra.shapes.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The loss log of a training run, one CSV row per logged step ({@code phase,step,loss,part1,part2,seconds}),
 * and the progress lines a person watching sees: one per phase and every few hundred steps.
 */
public final class TrainingLog implements AutoCloseable {

    /** Steps between two rows of the CSV: enough to draw the curves, small enough to ship. */
    public static final int EVERY = 10;

    private final BufferedWriter csv;
    private final Consumer<String> progress;
    private final long start = System.nanoTime();
    private final Map<String, List<float[]>> history = new HashMap<>();

    public TrainingLog(Path csvFile, Consumer<String> progress) {
        this.progress = progress;
        try {
            Files.createDirectories(csvFile.toAbsolutePath().getParent());
            csv = Files.newBufferedWriter(csvFile);
            csv.write("phase,step,loss,part1,part2,seconds\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss log " + csvFile, e);
        }
    }

    /** A log that only reports progress (tests, smoke runs). */
    public static TrainingLog toProgress(Consumer<String> progress) {
        return new TrainingLog(progress);
    }

    private TrainingLog(Consumer<String> progress) {
        this.csv = null;
        this.progress = progress;
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    public void say(String line) {
        progress.accept(line);
    }

    /** Every step's losses by phase, in order. */
    public List<float[]> history(String phase) {
        return history.getOrDefault(phase, List.of());
    }

    /** Records a step's losses (total first, then up to two parts); the CSV keeps every {@link #EVERY}th step. */
    public void step(String phase, int step, float[] losses) {
        history.computeIfAbsent(phase, p -> new ArrayList<>()).add(losses.clone());
        if (csv == null || step % EVERY != 0) {
            return;
        }
        try {
            csv.write(String.format(Locale.ROOT, "%s,%d,%.6f,%s,%s,%.1f%n", phase, step, losses[0],
                    losses.length > 1 ? String.format(Locale.ROOT, "%.6f", losses[1]) : "",
                    losses.length > 2 ? String.format(Locale.ROOT, "%.6f", losses[2]) : "", seconds()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the loss log", e);
        }
    }

    @Override
    public void close() {
        if (csv != null) {
            try {
                csv.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the loss log", e);
            }
        }
    }
}
