package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval} on the embedded shapes model, at a small size: the report, its tables and pictures. */
class EvalCommandTest {

    @TempDir
    Path tmp;

    @Test
    void writesTheReportWithItsChartAndGrid() throws IOException {
        Path out = tmp.resolve("docs");
        CliRun r = CliRun.of("eval", "--out", out.toString(), "--images", "2", "--pairs", "4",
                "--detector-scenes", "200", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(out.resolve("shapes-world.md"));
        for (String section : new String[] {"## The detector", "## Projection against ECLIPSE", "## Lambda sweep",
            "## Diversity", "## Prompts outside the world", "## Training", "shapes-world/grid.png",
            "shapes-world/lambda-sweep.png", "| Projection (lambda 0) | single, seen |",
            "| ECLIPSE (lambda 0.2, shipped) | pair, unseen |", "| 1.0 |"}) {
            assertTrue(md.contains(section), "missing " + section + " in\n" + md);
        }
        assertTrue(md.contains("All three are at least 95%"), md);
        BufferedImage chart = ImageIO.read(out.resolve("shapes-world/lambda-sweep.png").toFile());
        BufferedImage grid = ImageIO.read(out.resolve("shapes-world/grid.png").toFile());
        assertNotNull(chart);
        assertNotNull(grid);
        assertTrue(grid.getHeight() >= 13 * 128, "a row per prompt");
        assertTrue(r.err().contains("detector: color"), r.err());
    }

    @Test
    void refusesTooFewImagesToMeasureDiversity() {
        CliRun r = CliRun.of("eval", "--out", tmp.resolve("x").toString(), "--images", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--images must be at least 2"), r.err());
    }
}
