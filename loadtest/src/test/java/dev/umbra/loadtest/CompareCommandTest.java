package dev.umbra.loadtest;

import static dev.umbra.loadtest.CliTest.assertRefused;
import static dev.umbra.loadtest.report.SyntheticReports.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.loadtest.report.CompareChart;
import dev.umbra.loadtest.report.CompareCsv;
import dev.umbra.loadtest.report.SyntheticReports;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare} from report.json files written by the tool's own writer: the CSV, the chart, the table, refusals. */
class CompareCommandTest {

    @Test
    void threeRunsGiveOneChartACsvRowPerStepAndATable(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("fixed-4");
        SyntheticReports.openLoop(small,
                step(25, 25, 26.72, 40.83, 41.54, 0),
                step(100, 99.4, 46.91, 172, 187, 0),
                step(400, 229.4, 1989, 3836, 3877, 0),
                step(800, 12.5, Double.NaN, Double.NaN, Double.NaN, 8000));
        Path large = dir.resolve("fixed-64");
        SyntheticReports.openLoop(large,
                step(25, 24.8, 70.08, 111, 134, 0),
                step(100, 99.2, 69.57, 142, 171, 0),
                step(400, 395.5, 80.1, 150.5, 160, 0),
                step(800, 281.6, 9593, 9765, 9765, 10));
        Path adaptiveReport = SyntheticReports.openLoop(dir.resolve("adaptive"),
                step(25, 25.2, 27.36, 87.3, 92.67, 0),
                step(100, 99.4, 60.45, 152, 182, 0),
                step(400, 396, 70, 99.5, 120, 0));
        Path out = dir.resolve("out");

        CliTest.Outcome o = CliTest.execute("compare", "--label", "fixed-4=" + small, "--label",
                "fixed-64, 50 ms=" + large, "--label", "adaptive=" + adaptiveReport, "--latency-target-ms", "100",
                "--out", out.toString());

        assertEquals(0, o.code(), o::err);
        assertEquals(List.of(), o.errLines());
        assertEquals(List.of(CompareCsv.HEADER,
                "fixed-4,1,25.000,25.000,25.000,26.720,40.830,41.540,250,250,0,0,true",
                "fixed-4,2,100.000,100.000,99.400,46.910,172.000,187.000,1000,1000,0,0,true",
                "fixed-4,3,400.000,400.000,229.400,1989.000,3836.000,3877.000,4000,4000,0,0,false",
                "fixed-4,4,800.000,800.000,12.500,,,,8000,0,8000,0,false",
                "\"fixed-64, 50 ms\",1,25.000,25.000,24.800,70.080,111.000,134.000,250,250,0,0,true",
                "\"fixed-64, 50 ms\",2,100.000,100.000,99.200,69.570,142.000,171.000,1000,1000,0,0,true",
                "\"fixed-64, 50 ms\",3,400.000,400.000,395.500,80.100,150.500,160.000,4000,4000,0,0,true",
                "\"fixed-64, 50 ms\",4,800.000,800.000,281.600,9593.000,9765.000,9765.000,8000,7990,10,0,false",
                "adaptive,1,25.000,25.000,25.200,27.360,87.300,92.670,250,250,0,0,true",
                "adaptive,2,100.000,100.000,99.400,60.450,152.000,182.000,1000,1000,0,0,true",
                "adaptive,3,400.000,400.000,396.000,70.000,99.500,120.000,4000,4000,0,0,true"),
                Files.readAllLines(out.resolve(CompareCommand.CSV)), "the warm-up is left out");

        BufferedImage chart = ImageIO.read(out.resolve(CompareCommand.CHART_PNG).toFile());
        assertEquals(CompareChart.WIDTH, chart.getWidth());
        assertEquals(2 * CompareChart.PANEL_HEIGHT, chart.getHeight(), "two panels, one above the other");

        List<String> lines = o.out().lines().toList();
        assertEquals("compare fixed-4, fixed-64, 50 ms, adaptive", lines.get(0));
        assertTrue(lines.contains("     400.0  fixed-4            400.0       229.4     1989     3836     3877  0"),
                o::out);
        assertTrue(lines.contains("     800.0  fixed-4            800.0        12.5        -        -        -  8000"),
                o::out);
        assertTrue(lines.contains("            adaptive           400.0       396.0    70.00    99.50      120  0"),
                o::out);
        assertEquals(3, lines.stream().filter(l -> l.contains("adaptive  ")).count() - 1,
                "three steps of the adaptive run, and its summary line");
        assertTrue(lines.contains("  fixed-4                100.0            229.4        400.0"), o::out);
        assertTrue(lines.contains("  fixed-64, 50 ms        400.0            395.5        400.0"), o::out);
        assertTrue(lines.contains("  adaptive               400.0            396.0        400.0"), o::out);
        assertTrue(o.out().contains("reports      " + out.resolve(CompareCommand.CHART_PNG)), o::out);
    }

    @Test
    void runsAtOneRateEachAreOnePointEach(@TempDir Path dir) throws Exception {
        SyntheticReports.openLoop(dir.resolve("a"), step(100, 100, 10, 20, 30, 0));
        SyntheticReports.openLoop(dir.resolve("b"), step(150, 120, 900, 2500, 2600, 0));
        Path out = dir.resolve("nested/out");

        CliTest.Outcome o = CliTest.execute("compare", "--label", "a=" + dir.resolve("a"), "--label",
                "b=" + dir.resolve("b"), "--title", "one rate each", "--out", out.toString());

        assertEquals(0, o.code(), o::err);
        assertEquals(3, Files.readAllLines(out.resolve(CompareCommand.CSV)).size());
        BufferedImage chart = ImageIO.read(out.resolve(CompareCommand.CHART_PNG).toFile());
        assertEquals(CompareChart.WIDTH, chart.getWidth());
        assertEquals(2 * CompareChart.PANEL_HEIGHT, chart.getHeight());
        assertTrue(o.out().contains("  b" + " ".repeat(16) + "none            120.0        150.0"), o::out);
    }

    @Test
    void missingUnreadableAndStepLessReportsAreRefusedNamingTheRun(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good");
        SyntheticReports.openLoop(good, step(25, 25, 1, 2, 3, 0));
        Path out = dir.resolve("out");
        String ok = "ok=" + good;

        assertRefused("umbra-loadtest compare: error: x: " + dir.resolve("nope") + ": no such folder or file",
                "compare", "--label", ok, "--label", "x=" + dir.resolve("nope"), "--out", out.toString());
        Path emptyFolder = Files.createDirectories(dir.resolve("empty"));
        assertRefused("x: " + emptyFolder.resolve("report.json") + ": no such file (is it the --out of a run?)",
                "compare", "--label", ok, "--label", "x=" + emptyFolder, "--out", out.toString());
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "not json at all");
        assertRefused("x: " + garbage + ": not a load tool report (", "compare", "--label", ok, "--label",
                "x=" + garbage, "--out", out.toString());
        Path notAReport = Files.writeString(dir.resolve("other.json"), "{\"name\": \"something else\"}");
        assertRefused("x: " + notAReport + ": not a load tool report (no settings or results)", "compare",
                "--label", ok, "--label", "x=" + notAReport, "--out", out.toString());
        Path closed = SyntheticReports.closedLoop(dir.resolve("closed"));
        assertRefused("x: " + closed + " is a closed-loop run: it has no target rates to compare on", "compare",
                "--label", ok, "--label", "x=" + dir.resolve("closed"), "--out", out.toString());
        Path warmupOnly = SyntheticReports.openLoop(dir.resolve("warmup-only"));
        assertRefused("x: " + warmupOnly + " has no measured steps", "compare", "--label", ok, "--label",
                "x=" + dir.resolve("warmup-only"), "--out", out.toString());

        assertFalse(Files.exists(out), "nothing is written when a report is refused");
    }

    @Test
    void badLabelsAndOptionsAreRefused(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good");
        SyntheticReports.openLoop(good, step(25, 25, 1, 2, 3, 0));
        assertRefused("Missing required option: '--label=NAME=DIR'", "compare");
        assertRefused("--label must be NAME=DIR, a name and the folder of a run's report.json (got 'fixed-4')",
                "compare", "--label", "fixed-4");
        assertRefused("--label must be NAME=DIR", "compare", "--label", "=" + good);
        assertRefused("--label must be NAME=DIR", "compare", "--label", "a=");
        assertRefused("--label must be NAME=DIR with a name that is not blank", "compare", "--label", "  =" + good);
        assertRefused("--label a is given twice", "compare", "--label", "a=" + good, "--label", "a=" + good);
        assertRefused("--latency-target-ms must be a positive number of milliseconds (got 0.0)", "compare",
                "--label", "a=" + good, "--latency-target-ms", "0");
    }

    @Test
    void helpListsTheOptions() {
        CliTest.Outcome o = CliTest.execute("compare", "--help");
        assertEquals(0, o.code());
        for (String option : List.of("--label", "--out", "--title", "--latency-target-ms", "compare.png",
                "compare.csv")) {
            assertTrue(o.out().contains(option), option);
        }
    }
}
