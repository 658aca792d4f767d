package dev.umbra.shapes.eval;

import dev.umbra.generate.TextToImage;
import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Rendering;
import dev.umbra.shapes.world.Scene;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's pictures: the lambda sweep chart (XChart) and a grid of prompts with several samples each. */
final class Charts {

    private static final int TILE = 128;
    private static final int LABEL_WIDTH = 430;

    private Charts() {}

    /** Accuracy against lambda, the paper's Figure 8 in miniature. */
    static void lambdaSweep(List<ShapesEval.PriorResult> priors, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(820).height(480)
                .title("Shapes world: accuracy against lambda (L = L_proj + lambda * L_contrastive)")
                .xAxisTitle("lambda").yAxisTitle("accuracy (%)").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setMarkerSize(7).setChartBackgroundColor(Color.WHITE);
        series(chart, priors, "single, seen: color and shape", "single, seen", Scores::both);
        series(chart, priors, "single, unseen: color and shape", "single, unseen", Scores::both);
        series(chart, priors, "pair, seen: relation", "pair, seen", Scores::relation);
        series(chart, priors, "pair, unseen: relation", "pair, unseen", Scores::relation);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void series(XYChart chart, List<ShapesEval.PriorResult> priors, String name, String set,
                               ToDoubleFunction<Scores> metric) {
        double[] x = new double[priors.size()];
        double[] y = new double[priors.size()];
        for (int i = 0; i < priors.size(); i++) {
            x[i] = priors.get(i).lambda();
            y[i] = 100 * metric.applyAsDouble(priors.get(i).sets().get(set));
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    /** One row per scene: its prompt, a ground-truth render, then {@code samples} generated pictures. */
    static void grid(TextToImage pipeline, List<Scene> scenes, int samples, long seed, Path file) throws IOException {
        int header = 28;
        BufferedImage out = new BufferedImage(LABEL_WIDTH + (samples + 1) * TILE, header + scenes.size() * TILE,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.setColor(Color.DARK_GRAY);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString("prompt", 8, 19);
            g.drawString("a render", LABEL_WIDTH + 8, 19);
            g.drawString("generated, " + samples + " seeds", LABEL_WIDTH + TILE + 8, 19);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            SplittableRandom random = new SplittableRandom(seed);
            for (int r = 0; r < scenes.size(); r++) {
                Scene scene = scenes.get(r);
                int y = header + r * TILE;
                String prompt = CaptionGrammar.caption(scene);
                g.setColor(Color.BLACK);
                drawWrapped(g, prompt + (scene.hasHeldOut() ? "  (unseen)" : ""), 8, y + 24, LABEL_WIDTH - 16);
                Rendering truth = Renderer.render(scene, random);
                g.drawImage(truth.toImage(), LABEL_WIDTH, y, TILE, TILE, null);
                List<String> prompts = new ArrayList<>();
                long[] seeds = new long[samples];
                for (int j = 0; j < samples; j++) {
                    prompts.add(prompt);
                    seeds[j] = seed + 100L * r + j;
                }
                List<TextToImage.Picture> pictures = pipeline.generate(prompts, seeds);
                for (int j = 0; j < samples; j++) {
                    g.drawImage(pictures.get(j).image().toImage(), LABEL_WIDTH + (j + 1) * TILE, y, TILE, TILE, null);
                }
                g.setColor(Color.LIGHT_GRAY);
                g.drawLine(0, y, out.getWidth(), y);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(out, "png", file.toFile());
    }

    private static void drawWrapped(Graphics2D g, String text, int x, int y, int width) {
        StringBuilder line = new StringBuilder();
        int lineHeight = g.getFontMetrics().getHeight();
        for (String word : text.split(" ")) {
            String candidate = line.length() == 0 ? word : line + " " + word;
            if (g.getFontMetrics().stringWidth(candidate) > width && line.length() > 0) {
                g.drawString(line.toString(), x, y);
                y += lineHeight;
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        g.drawString(line.toString(), x, y);
    }
}
