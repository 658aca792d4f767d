package dev.umbra.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Turns JMH JSON results ({@code -rf json}) of the benchmarks here into the Markdown table of
 * docs/performance.md: ms per batch with JMH's 99.9% error, and prompts/s (batch / score).
 */
@Command(name = "jmh-report", mixinStandardHelpOptions = true,
        description = "Prints JMH JSON results as a Markdown table with prompts/s.")
public final class JmhReport implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "JMH JSON result files")
    List<Path> files;

    public static void main(String[] args) {
        System.exit(new CommandLine(new JmhReport()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        System.out.println("| benchmark | model | batch | ms per batch (± 99.9% error) | prompts/s | runs |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        List<JsonObject> rows = new ArrayList<>();
        for (Path file : files) {
            JsonArray results = JsonParser.parseString(Files.readString(file)).getAsJsonArray();
            results.forEach(r -> rows.add(r.getAsJsonObject()));
        }
        rows.sort(Comparator.<JsonObject, String>comparing(r -> r.get("benchmark").getAsString())
                .thenComparing(r -> r.getAsJsonObject("params").get("model").getAsString())
                .thenComparingInt(r -> r.getAsJsonObject("params").get("batch").getAsInt()));
        rows.forEach(r -> System.out.println(row(r)));
        return 0;
    }

    static String row(JsonObject r) {
        String benchmark = r.get("benchmark").getAsString();
        benchmark = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        JsonObject params = r.getAsJsonObject("params");
        String model = params.get("model").getAsString();
        int batch = params.get("batch").getAsInt();
        JsonObject metric = r.getAsJsonObject("primaryMetric");
        if (!metric.get("scoreUnit").getAsString().equals("ms/op")) {
            throw new IllegalArgumentException(benchmark + ": expected ms/op, got " + metric.get("scoreUnit"));
        }
        double ms = metric.get("score").getAsDouble();
        JsonElement errorElement = metric.get("scoreError");
        double error = errorElement.isJsonPrimitive() && errorElement.getAsJsonPrimitive().isNumber()
                ? errorElement.getAsDouble() : Double.NaN;
        int runs = 0;
        for (JsonElement fork : metric.getAsJsonArray("rawData")) {
            runs += fork.getAsJsonArray().size();
        }
        String err = Double.isNaN(error) ? "" : String.format(Locale.ROOT, " ± %s", fmt(error));
        return String.format(Locale.ROOT, "| %s | %s | %d | %s%s | %s | %d |",
                benchmark, model, batch, fmt(ms), err, fmt(batch * 1000.0 / ms), runs);
    }

    /** Three significant figures, thousands grouped. */
    static String fmt(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
