package dev.umbra.loadtest;

import dev.umbra.loadtest.report.CompareChart;
import dev.umbra.loadtest.report.CompareCsv;
import dev.umbra.loadtest.report.ComparedRun;
import dev.umbra.loadtest.report.JsonReport;
import dev.umbra.loadtest.report.TerminalReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code compare}: earlier runs' steps side by side, in one chart, a CSV and a table. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Sets earlier open-loop runs side by side against the target rate of their steps.",
            "",
            "Reads each run's report.json (the folder `run --out` wrote, or the file) and writes to --out one chart,"
                    + " compare.png (above: answered/s against the target rate, with the line answered = target;"
                    + " below: p99 latency against the target rate, log scale), and compare.csv (a row per step of"
                    + " every run); prints the steps side by side. Exit code 0, or 2 with one line for bad options or"
                    + " a missing, unreadable or step-less report.",
            ""
        })
final class CompareCommand implements Callable<Integer> {

    static final String CHART_PNG = "compare.png";
    static final String CSV = "compare.csv";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--label", paramLabel = "NAME=DIR", required = true,
            description = "A run to compare: its name in the chart and tables, and the folder of its report.json"
                    + " (or the file itself). Repeatable; the runs are drawn and listed in this order.")
    List<String> labels;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "umbra-loadtest-compare",
            description = "Where compare.png and compare.csv go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT",
            description = "Title of the chart (default: the runs' names).")
    String title;

    @Option(names = "--latency-target-ms", paramLabel = "MS",
            description = "Draw a horizontal line at this latency on the latency panel, e.g. the adaptive worker's"
                    + " --latency-target-ms (default: none).")
    Double latencyTargetMs;

    @CommandLine.Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws IOException {
        Map<String, Path> sources = sources();
        if (latencyTargetMs != null && !(latencyTargetMs > 0 && latencyTargetMs < Double.POSITIVE_INFINITY)) {
            throw usage("--latency-target-ms must be a positive number of milliseconds (got " + latencyTargetMs + ")");
        }
        List<ComparedRun> runs = new ArrayList<>();
        for (Map.Entry<String, Path> e : sources.entrySet()) {
            runs.add(read(e.getKey(), e.getValue()));
        }
        Files.createDirectories(out);
        Path chart = out.resolve(CHART_PNG);
        Path csv = out.resolve(CSV);
        String heading = "compare " + String.join(", ", sources.keySet());
        CompareCsv.write(runs, csv);
        CompareChart.write(runs, title != null ? title : "Runs compared: " + String.join(", ", sources.keySet()),
                latencyTargetMs != null ? latencyTargetMs : Double.NaN, chart);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(heading);
        TerminalReport.comparison(stdout, runs);
        stdout.println("  reports      " + chart + ", " + csv);
        stdout.flush();
        return LoadTestCommand.OK;
    }

    /** The labels in the order given, each with its report.json; every refusal is one line and exit code 2. */
    Map<String, Path> sources() {
        Map<String, Path> sources = new LinkedHashMap<>();
        for (String label : labels) {
            int eq = label.indexOf('=');
            if (eq <= 0 || eq == label.length() - 1) {
                throw usage("--label must be NAME=DIR, a name and the folder of a run's report.json (got '" + label
                        + "')");
            }
            String name = label.substring(0, eq).strip();
            if (name.isEmpty()) {
                throw usage("--label must be NAME=DIR with a name that is not blank (got '" + label + "')");
            }
            if (sources.containsKey(name)) {
                throw usage("--label " + name + " is given twice: every run needs a name of its own");
            }
            sources.put(name, Paths.get(label.substring(eq + 1)));
        }
        return sources;
    }

    /** A run's steps from its folder (or report.json); an unreadable or step-less report is an error naming it. */
    private static ComparedRun read(String label, Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(label + ": " + path, null, "no such folder or file");
        }
        Path file = Files.isDirectory(path) ? path.resolve(RunCommand.REPORT_JSON) : path;
        try {
            return ComparedRun.of(label, file, JsonReport.read(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(label + ": " + file, null, "no such file (is it the --out of a run?)");
        } catch (IOException e) {
            throw new IOException(label + ": " + e.getMessage(), e);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
