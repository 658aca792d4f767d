package dev.umbra.cli;

import dev.umbra.shapes.train.ShapesArchitecture;
import dev.umbra.shapes.train.ShapesTraining;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train-shapes}: reproduces the embedded shapes model from scratch. */
@Command(
        name = "train-shapes",
        mixinStandardHelpOptions = true,
        description = {
            "Trains the shapes world from scratch on the CPU: mini-CLIP, the ECLIPSE prior and its lambda sweep",
            "(lambda 0 is the Projection baseline), and the decoder; writes each part in the Hugging Face layout,",
            "a loss log (loss-log.csv) and training.json. About an hour on 2 cores."
        })
final class TrainShapesCommand implements Callable<Integer> {

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the whole run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "umbra-shapes-model",
            description = "Folder for the model (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--prior-temperature", paramLabel = "T",
            description = "Temperature of the prior's contrastive term (default: the one the mini-CLIP learns).")
    Float priorTemperature;

    @Option(names = "--reuse-clip",
            description = "Keep the mini-CLIP already in --out and train only the priors and the decoder.")
    boolean reuseClip;

    @CommandLine.Mixin
    VerboseMixin verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ShapesTraining.Plan plan = ShapesTraining.Plan.defaults(seed).withPriorTemperature(priorTemperature);
        var err = spec.commandLine().getErr();
        ShapesTraining.Summary summary = ShapesTraining.run(plan, ShapesArchitecture.defaults(), out, reuseClip, line -> {
            err.println(line);
            err.flush();
        });
        spec.commandLine().getOut().println("trained the shapes model into " + summary.out());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
