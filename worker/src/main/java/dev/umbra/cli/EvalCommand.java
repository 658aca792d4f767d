package dev.umbra.cli;

import dev.umbra.shapes.eval.DetectorCheck;
import dev.umbra.shapes.eval.ShapesEval;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eval}: scores a shapes model and writes docs/shapes-world.md. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Generates pictures for seen and unseen prompts with every prior of a shapes model, scores them with the",
            "detector (checked first on ground-truth renders) and writes OUT/shapes-world.md with its charts in",
            "OUT/shapes-world/. Exits 1 when the detector is below 95% on ground truth."
        })
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "A train-shapes folder (default: the embedded shapes model).")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "docs", description = "Folder for the report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--images", paramLabel = "N", defaultValue = "4", description = "Pictures per prompt (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--pairs", paramLabel = "N", defaultValue = "48",
            description = "Two-object prompts in the seen and in the unseen set (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of prompts and pictures (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--detector-scenes", paramLabel = "N", defaultValue = "1000",
            description = "Ground-truth renders the detector is checked on (default: ${DEFAULT-VALUE}).")
    int detectorScenes;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64", description = "Pictures per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @CommandLine.Mixin
    RuntimeOptionsMixin runtime;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (images < 2) {
            throw new dev.umbra.io.UsageException("--images must be at least 2, to measure diversity (got " + images + ")");
        }
        var err = spec.commandLine().getErr();
        ShapesEval.Report report = ShapesEval.run(new ShapesEval.Options(model, out, images, seed, pairs, detectorScenes,
                batchSize, runtime.toRuntimeOptions()), line -> {
                    err.println(line);
                    err.flush();
                });
        spec.commandLine().getOut().println("wrote " + report.markdown());
        spec.commandLine().getOut().flush();
        if (!DetectorCheck.trusted(report.detector())) {
            err.println(String.format(Locale.ROOT, "eval: error: the detector is below %.0f%% on ground truth;"
                    + " the report's scores cannot be trusted", 100 * DetectorCheck.REQUIRED));
            err.flush();
            return CliErrors.FAILED;
        }
        return 0;
    }
}
